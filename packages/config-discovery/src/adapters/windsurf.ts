import type { ClientAdapter } from '../adapter.js';
import { pathApi } from '../platform-paths.js';
import { parseStandardMcpServers, type StandardDialect } from './read-entries.js';

const windsurfDialect: StandardDialect = {
  urlKeys: [{ key: 'serverUrl' }, { key: 'url' }],
  types: { stdio: 'stdio', http: 'http', 'streamable-http': 'http', sse: 'sse' },
  // Windsurf speaks Streamable HTTP and SSE at `serverUrl`; an endpoint ending in /sse is the SSE one.
  defaultRemote: (url) => (/\/sse\/?(?:[?#].*)?$/i.test(url) ? 'sse' : 'http'),
};

/**
 * Windsurf: `~/.codeium/windsurf/mcp_config.json` (and Windsurf Next's `windsurf-next`), `mcpServers` with
 * `command`/`args`/`env` or `serverUrl`/`headers`, `disabled`; it expands `${env:VAR}`.
 */
export const windsurf: ClientAdapter = {
  id: 'windsurf',
  displayName: 'Windsurf',
  expansion: 'env-prefixed',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    return [
      { file: p.join(ctx.home, '.codeium', 'windsurf', 'mcp_config.json'), scope: 'user', format: 'jsonc' },
      {
        file: p.join(ctx.home, '.codeium', 'windsurf-next', 'mcp_config.json'),
        scope: 'user',
        format: 'jsonc',
      },
    ];
  },
  parse: parseStandardMcpServers('windsurf', windsurfDialect),
};
