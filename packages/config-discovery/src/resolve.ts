import { getAdapter } from './adapters/index.js';
import type { Diagnostic } from './diagnostics.js';
import { type ExpansionScope, type ExpansionSyntax, expandString } from './expand.js';
import { type Env, getEnv, pathApi } from './platform-paths.js';
import type { McpServerConfig, RemoteTransport, StdioTransport } from './server.js';

export interface ResolveOptions {
  /** The environment the server would start in; variables are looked up here. */
  env: Env;
  /** The project directory (`${workspaceFolder}`). */
  cwd: string;
  home: string;
  platform?: NodeJS.Platform;
  /** Values for VS Code `${input:id}` prompts. */
  inputs?: Readonly<Record<string, string>>;
  /** Reads files for OpenCode `{file:…}` and `envFile`; without it those stay unexpanded / unloaded. */
  readFile?: (path: string) => string | undefined;
}

export interface ResolvedServer {
  server: McpServerConfig;
  diagnostics: Diagnostic[];
}

/** The syntax the entry's own client expands; unknown clients expand nothing. */
export function expansionSyntaxOf(server: McpServerConfig): ExpansionSyntax {
  return getAdapter(server.source.client)?.expansion ?? 'none';
}

/** Parses a dotenv file: `KEY=value`, optional `export `, quotes, `#` comments. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2] ?? '';
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[match[1]!] = value;
  }
  return out;
}

/**
 * Expands variables the way the entry's client does and applies client-specific pass-through (Codex
 * `env_vars`, `bearer_token_env_var`, `env_http_headers`; VS Code/Cursor `envFile`). Returns the server ready
 * to start, and a diagnostic per missing variable — never throws. Pure unless `readFile` does I/O.
 */
export function resolveServer(server: McpServerConfig, options: ResolveOptions): ResolvedServer {
  const platform = options.platform ?? process.platform;
  const syntax = expansionSyntaxOf(server);
  const scope: ExpansionScope = {
    env: options.env,
    platform,
    cwd: options.cwd,
    home: options.home,
    ...(options.inputs ? { inputs: options.inputs } : {}),
    ...(options.readFile ? { readFile: options.readFile } : {}),
  };
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const report = (
    code: Diagnostic['code'],
    message: string,
    severity: Diagnostic['severity'] = 'warning',
  ) => {
    const key = `${code}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    diagnostics.push({
      severity,
      code,
      client: server.source.client,
      file: server.source.file,
      path: server.source.path,
      server: server.name,
      ...(server.source.line !== undefined ? { line: server.source.line } : {}),
      message: `server "${server.name}" (${server.source.file}): ${message}`,
    });
  };
  const expand = (value: string): string => {
    const result = expandString(value, syntax, scope);
    for (const problem of result.problems) report(problem.code, problem.message);
    return result.value;
  };
  const expandMap = (map: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(map).map(([key, value]) => [key, expand(value)]));

  const t = server.transport;
  if (t.type === 'stdio') {
    let env: Record<string, string> = {};
    if (t.envFile !== undefined) {
      const envFile = pathApi(platform).resolve(options.cwd, expand(t.envFile));
      const text = options.readFile?.(envFile);
      if (text === undefined) {
        report('missing-variable', `envFile ${envFile} was not loaded; its variables are missing`);
      } else {
        env = parseEnvFile(text);
      }
    }
    for (const name of t.envPassthrough ?? []) {
      const value = getEnv(options.env, name, platform);
      if (value === undefined)
        report('missing-variable', `variable ${name} (env_vars) is not set and is not passed`, 'info');
      else env[name] = value;
    }
    env = { ...env, ...expandMap(t.env) };
    const transport: StdioTransport = {
      type: 'stdio',
      command: expand(t.command),
      args: t.args.map(expand),
      env,
      ...(t.cwd !== undefined ? { cwd: pathApi(platform).resolve(options.cwd, expand(t.cwd)) } : {}),
    };
    return { server: { ...server, transport }, diagnostics };
  }
  const headers = expandMap(t.headers);
  for (const [header, name] of Object.entries(t.headersFromEnv ?? {})) {
    const value = getEnv(options.env, name, platform);
    if (value === undefined)
      report('missing-variable', `variable ${name} for header ${header} is not set; the header is not sent`);
    else headers[header] = value;
  }
  if (t.bearerTokenEnvVar !== undefined) {
    const token = getEnv(options.env, t.bearerTokenEnvVar, platform);
    if (token === undefined) {
      report(
        'missing-variable',
        `variable ${t.bearerTokenEnvVar} (bearer_token_env_var) is not set; no Authorization header is sent`,
      );
    } else {
      headers.Authorization = `Bearer ${token}`;
    }
  }
  const transport: RemoteTransport = { type: t.type, url: expand(t.url), headers };
  return { server: { ...server, transport }, diagnostics };
}
