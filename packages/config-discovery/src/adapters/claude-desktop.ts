import type { ClientAdapter } from '../adapter.js';
import { appConfigDir, pathApi } from '../platform-paths.js';
import { claudeDialect, parseStandardMcpServers } from './read-entries.js';

/**
 * Claude Desktop: `claude_desktop_config.json` in `~/Library/Application Support/Claude` (macOS),
 * `%APPDATA%\Claude` (Windows) or `$XDG_CONFIG_HOME/Claude` (Linux builds). Values are used as written.
 */
export const claudeDesktop: ClientAdapter = {
  id: 'claude-desktop',
  displayName: 'Claude Desktop',
  expansion: 'none',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    return [
      {
        file: p.join(appConfigDir(ctx), 'Claude', 'claude_desktop_config.json'),
        scope: 'user',
        format: 'json',
      },
    ];
  },
  parse: parseStandardMcpServers('claude-desktop', claudeDialect),
};
