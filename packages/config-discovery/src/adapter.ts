import type { Diagnostic } from './diagnostics.js';
import type { ExpansionSyntax } from './expand.js';
import type { DocumentFormat } from './parse-document.js';
import type { PathContext } from './platform-paths.js';
import type { McpServerConfig, Scope } from './server.js';

/** A place where a client keeps MCP servers. `directory` means every `*.json` / `*.toml` file directly in it,
 * read in code-point order of their names. */
export interface SourceLocation {
  file: string;
  scope: Scope;
  kind?: 'file' | 'directory';
  format?: DocumentFormat;
  /** Text given inline instead of a file (`MCP_SERVERS_CONFIG` holding JSON). */
  inlineText?: string;
}

export interface ParseContext {
  file: string;
  scope: Scope;
  home: string;
  cwd: string;
  platform: NodeJS.Platform;
  format: DocumentFormat;
}

/** A file that turns servers defined elsewhere on or off, as the client itself would (Claude Code's
 * `disabledMcpjsonServers`, an OpenCode project entry holding only `enabled`). */
export interface EnablementOverride {
  client: string;
  names: string[];
  enabled: boolean;
  /** Scopes of the definitions it applies to. */
  appliesTo: Scope[];
  file: string;
  path: (string | number)[];
}

export interface ParseResult {
  servers: McpServerConfig[];
  diagnostics: Diagnostic[];
  overrides?: EnablementOverride[];
}

/** One client's knowledge: where its files are and how to read them. `parse` is pure (text in, entries out). */
export interface ClientAdapter {
  id: string;
  displayName: string;
  /** Which variable syntax the client itself expands (see `resolveServer`). */
  expansion: ExpansionSyntax;
  locations(ctx: PathContext): SourceLocation[];
  parse(text: string, ctx: ParseContext): ParseResult;
}
