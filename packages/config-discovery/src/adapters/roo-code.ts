import type { ClientAdapter, SourceLocation } from '../adapter.js';
import { pathApi, vscodeUserDir } from '../platform-paths.js';
import { parseStandardMcpServers, type StandardDialect } from './read-entries.js';
import { VSCODE_PRODUCTS } from './vscode.js';

const rooDialect: StandardDialect = {
  urlKeys: [{ key: 'url' }],
  types: { stdio: 'stdio', sse: 'sse', 'streamable-http': 'http', http: 'http' },
  defaultRemote: 'sse',
};

/**
 * Roo Code: `<project>/.roo/mcp.json` and `mcp_settings.json` in the VS Code extension storage
 * (`<VS Code User dir>/globalStorage/rooveterinaryinc.roo-cline/settings/`). `mcpServers` entries with `disabled`,
 * `cwd` and `type` `stdio` | `sse` | `streamable-http`; it expands `${env:VAR}`.
 */
export const rooCode: ClientAdapter = {
  id: 'roo-code',
  displayName: 'Roo Code',
  expansion: 'env-prefixed',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const locations: SourceLocation[] = [
      { file: p.join(ctx.cwd, '.roo', 'mcp.json'), scope: 'project', format: 'jsonc' },
    ];
    for (const product of VSCODE_PRODUCTS) {
      locations.push({
        file: p.join(
          vscodeUserDir(ctx, product),
          'globalStorage',
          'rooveterinaryinc.roo-cline',
          'settings',
          'mcp_settings.json',
        ),
        scope: 'user',
        format: 'jsonc',
      });
    }
    return locations;
  },
  parse: parseStandardMcpServers('roo-code', rooDialect),
};
