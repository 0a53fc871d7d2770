import type { ClientAdapter, SourceLocation } from '../adapter.js';
import { pathApi, vscodeUserDir } from '../platform-paths.js';
import { parseStandardMcpServers, type StandardDialect } from './read-entries.js';
import { VSCODE_PRODUCTS } from './vscode.js';

const clineDialect: StandardDialect = {
  urlKeys: [{ key: 'url' }],
  typeKeys: ['type', 'transportType'],
  types: { stdio: 'stdio', sse: 'sse', streamablehttp: 'http', http: 'http' },
  // Entries written before `type` existed were SSE.
  defaultRemote: 'sse',
};

/**
 * Cline: `cline_mcp_settings.json` in the VS Code extension storage
 * (`<VS Code User dir>/globalStorage/saoudrizwan.claude-dev/settings/`, for Code and Code - Insiders) and the
 * Cline CLI's `~/.cline/data/settings/`. `mcpServers` entries with `disabled`, `type` `stdio` | `sse` |
 * `streamableHttp`. Values are used as written.
 */
export const cline: ClientAdapter = {
  id: 'cline',
  displayName: 'Cline',
  expansion: 'none',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const locations: SourceLocation[] = VSCODE_PRODUCTS.map((product) => ({
      file: p.join(
        vscodeUserDir(ctx, product),
        'globalStorage',
        'saoudrizwan.claude-dev',
        'settings',
        'cline_mcp_settings.json',
      ),
      scope: 'user',
      format: 'jsonc',
    }));
    locations.push({
      file: p.join(ctx.home, '.cline', 'data', 'settings', 'cline_mcp_settings.json'),
      scope: 'user',
      format: 'jsonc',
    });
    return locations;
  },
  parse: parseStandardMcpServers('cline', clineDialect),
};
