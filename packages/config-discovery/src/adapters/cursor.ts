import type { ClientAdapter } from '../adapter.js';
import { pathApi } from '../platform-paths.js';
import { parseStandardMcpServers, type StandardDialect } from './read-entries.js';

const cursorDialect: StandardDialect = {
  urlKeys: [{ key: 'url' }],
  types: { stdio: 'stdio', http: 'http', 'streamable-http': 'http', sse: 'sse' },
  // Cursor tries Streamable HTTP and falls back to SSE by itself.
  defaultRemote: 'http',
  envFile: true,
};

/**
 * Cursor: `<project>/.cursor/mcp.json` and `~/.cursor/mcp.json` (`%USERPROFILE%\.cursor\mcp.json` on Windows),
 * `mcpServers` entries with `command`/`args`/`env`/`envFile` or `url`/`headers`. It expands `${env:NAME}`,
 * `${userHome}`, `${workspaceFolder}`, `${workspaceFolderBasename}` and `${pathSeparator}`.
 */
export const cursor: ClientAdapter = {
  id: 'cursor',
  displayName: 'Cursor',
  expansion: 'cursor',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    return [
      { file: p.join(ctx.cwd, '.cursor', 'mcp.json'), scope: 'project', format: 'jsonc' },
      { file: p.join(ctx.home, '.cursor', 'mcp.json'), scope: 'user', format: 'jsonc' },
    ];
  },
  parse: parseStandardMcpServers('cursor', cursorDialect),
};
