/** Where a configuration entry came from. `explicit` is a path the caller named; `local` is Claude Code's
 * per-project entry in the user's own file; `system` is a machine-wide (managed) file. */
export type Scope = 'explicit' | 'project' | 'local' | 'user' | 'system';

export interface StdioTransport {
  type: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Names of host variables the client passes through to the server (Codex `env_vars`). */
  envPassthrough?: string[];
  /** A dotenv file the client loads into the server's environment (VS Code and Cursor `envFile`). */
  envFile?: string;
}

export interface RemoteTransport {
  type: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
  /** Header name -> host variable whose value the client sends (Codex `env_http_headers`, and
   * `bearer_token_env_var` as `Authorization`, whose value is prefixed with `Bearer `). */
  headersFromEnv?: Record<string, string>;
  /** Host variable holding a bearer token (Codex `bearer_token_env_var`). */
  bearerTokenEnvVar?: string;
}

export type ServerTransport = StdioTransport | RemoteTransport;

export interface ServerSource {
  /** Adapter id, e.g. `claude-code`, `vscode`, `codex`. */
  client: string;
  scope: Scope;
  /** Absolute path of the file, or a label such as `$MCP_SERVERS_CONFIG` for inline text. */
  file: string;
  /** Path of the entry inside the file, e.g. `['projects', '/work/app', 'mcpServers', 'github']`. */
  path: (string | number)[];
  /** 1-based line of the entry in the file, when the format gives positions (JSON and JSONC). */
  line?: number;
}

/** One MCP server as configured somewhere, normalised across clients. Values are raw: variables such as
 * `${TOKEN}` are still unexpanded (see `resolveServer`). */
export interface McpServerConfig {
  name: string;
  transport: ServerTransport;
  description?: string;
  enabled: boolean;
  source: ServerSource;
}
