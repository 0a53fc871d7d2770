import type { ClientAdapter, SourceLocation } from '../adapter.js';
import { formatFromName } from '../parse-document.js';
import { getEnv, macApplicationSupport, pathApi, resolveUserPath } from '../platform-paths.js';
import { parseServerSections, readStandardEntry, type StandardDialect } from './read-entries.js';

const genericDialect: StandardDialect = {
  urlKeys: [{ key: 'url' }, { key: 'serverUrl' }, { key: 'httpUrl', transport: 'http' }],
  types: { stdio: 'stdio', http: 'http', 'streamable-http': 'http', streamablehttp: 'http', sse: 'sse' },
  defaultRemote: 'http',
  envFile: true,
};

/** The sections a generic file may use, in this order: `mcpServers` (most clients), `servers` (VS Code's
 * `mcp.json`), `mcp_servers` (Codex-style TOML). */
const GENERIC_SECTIONS = ['mcpServers', 'servers', 'mcp_servers'] as const;

/**
 * The original bridge's locations and files named by the caller: `~/.config/mcp/servers/*.json`,
 * `~/MCPs/*.json`, `<project>/mcp-servers/*.json`, `<project>/claude_code_config.json`,
 * `<project>/claude_desktop_config.json`, on macOS `~/Library/Application Support/Claude Code/claude_code_config.json`
 * and `~/Library/Application Support/Claude/claude_code_config.json`, and `$MCP_SERVERS_CONFIG` (a JSON or TOML
 * file, or inline JSON). Claude-style `${VAR}` / `${VAR:-default}` are expanded.
 */
export const generic: ClientAdapter = {
  id: 'generic',
  displayName: 'Generic MCP config',
  expansion: 'claude',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const locations: SourceLocation[] = [];
    const fromEnv = getEnv(ctx.env, 'MCP_SERVERS_CONFIG', ctx.platform);
    if (fromEnv !== undefined) {
      if (fromEnv.trimStart().startsWith('{')) {
        locations.push({
          file: '$MCP_SERVERS_CONFIG',
          scope: 'explicit',
          format: 'jsonc',
          inlineText: fromEnv,
        });
      } else {
        const file = resolveUserPath(ctx, fromEnv);
        locations.push({ file, scope: 'explicit', format: formatFromName(file) });
      }
    }
    locations.push(
      { file: p.join(ctx.cwd, 'claude_code_config.json'), scope: 'project', format: 'jsonc' },
      { file: p.join(ctx.cwd, 'claude_desktop_config.json'), scope: 'project', format: 'jsonc' },
      { file: p.join(ctx.cwd, 'mcp-servers'), scope: 'project', kind: 'directory' },
      { file: p.join(ctx.home, '.config', 'mcp', 'servers'), scope: 'user', kind: 'directory' },
      { file: p.join(ctx.home, 'MCPs'), scope: 'user', kind: 'directory' },
    );
    if (ctx.platform === 'darwin') {
      const support = macApplicationSupport(ctx);
      locations.push(
        { file: p.join(support, 'Claude Code', 'claude_code_config.json'), scope: 'user', format: 'jsonc' },
        { file: p.join(support, 'Claude', 'claude_code_config.json'), scope: 'user', format: 'jsonc' },
      );
    }
    return locations;
  },
  parse(text, ctx) {
    return parseServerSections(
      text,
      ctx,
      'generic',
      (root) => GENERIC_SECTIONS.filter((key) => root[key] !== undefined).map((key) => ({ path: [key] })),
      (fields) => readStandardEntry(fields, genericDialect),
    );
  },
};
