import type { ClientAdapter, SourceLocation } from '../adapter.js';
import { pathApi, vscodeUserDir } from '../platform-paths.js';
import { isObject, parseServerSections, readStandardEntry, type StandardDialect } from './read-entries.js';

const vscodeDialect: StandardDialect = {
  urlKeys: [{ key: 'url' }],
  types: { stdio: 'stdio', http: 'http', sse: 'sse' },
  // VS Code tries Streamable HTTP first and falls back to SSE.
  defaultRemote: 'http',
  envFile: true,
};

/** VS Code and VS Code Insiders keep their user settings in these product folders. */
export const VSCODE_PRODUCTS = ['Code', 'Code - Insiders'] as const;

/**
 * VS Code: `<project>/.vscode/mcp.json` (`servers`, JSONC, `inputs`), `mcp.servers` in
 * `<project>/.vscode/settings.json`, and for each of Code and Code - Insiders the user-profile `mcp.json` and
 * `mcp.servers` in the user `settings.json` (in `~/Library/Application Support/<product>/User` on macOS,
 * `%APPDATA%\<product>\User` on Windows, `$XDG_CONFIG_HOME/<product>/User` on Linux).
 */
export const vscode: ClientAdapter = {
  id: 'vscode',
  displayName: 'VS Code',
  expansion: 'vscode',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const locations: SourceLocation[] = [
      { file: p.join(ctx.cwd, '.vscode', 'mcp.json'), scope: 'project', format: 'jsonc' },
      { file: p.join(ctx.cwd, '.vscode', 'settings.json'), scope: 'project', format: 'jsonc' },
    ];
    for (const product of VSCODE_PRODUCTS) {
      const dir = vscodeUserDir(ctx, product);
      locations.push({ file: p.join(dir, 'mcp.json'), scope: 'user', format: 'jsonc' });
      locations.push({ file: p.join(dir, 'settings.json'), scope: 'user', format: 'jsonc' });
    }
    return locations;
  },
  parse(text, ctx) {
    const isSettings = pathApi(ctx.platform).basename(ctx.file).toLowerCase() === 'settings.json';
    return parseServerSections(
      text,
      ctx,
      'vscode',
      (root) => {
        if (!isSettings) return [{ path: ['servers'] }];
        // settings.json may nest (`"mcp": { "servers": … }`) or use the dotted key (`"mcp.servers": …`).
        const sections = [];
        if (isObject(root.mcp)) sections.push({ path: ['mcp', 'servers'] });
        sections.push({ path: ['mcp.servers'] });
        return sections;
      },
      (fields) => readStandardEntry(fields, vscodeDialect),
    );
  },
};
