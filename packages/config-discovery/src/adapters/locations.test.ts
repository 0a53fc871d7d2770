import { describe, expect, it } from 'vitest';
import type { PathContext } from '../platform-paths.js';
import { CLIENT_ADAPTERS } from './index.js';

function filesFor(ctx: PathContext): Record<string, string[]> {
  return Object.fromEntries(
    CLIENT_ADAPTERS.map((adapter) => [adapter.id, adapter.locations(ctx).map((l) => `${l.scope} ${l.file}`)]),
  );
}

const linux: PathContext = { platform: 'linux', home: '/home/me', cwd: '/work/app', env: {} };
const mac: PathContext = { platform: 'darwin', home: '/Users/me', cwd: '/Users/me/app', env: {} };
const win: PathContext = {
  platform: 'win32',
  home: 'C:\\Users\\me',
  cwd: 'D:\\src\\app',
  env: {
    APPDATA: 'C:\\Users\\me\\AppData\\Roaming',
    USERPROFILE: 'C:\\Users\\me',
    ProgramData: 'C:\\ProgramData',
  },
};

describe('where each client keeps its files', () => {
  it('Linux, with and without XDG_CONFIG_HOME', () => {
    const files = filesFor(linux);
    expect(files['claude-code']).toEqual([
      'project /work/app/.mcp.json',
      'user /home/me/.claude.json',
      'system /etc/claude-code/managed-mcp.json',
    ]);
    expect(files['claude-desktop']).toEqual(['user /home/me/.config/Claude/claude_desktop_config.json']);
    expect(files.vscode).toEqual([
      'project /work/app/.vscode/mcp.json',
      'project /work/app/.vscode/settings.json',
      'user /home/me/.config/Code/User/mcp.json',
      'user /home/me/.config/Code/User/settings.json',
      'user /home/me/.config/Code - Insiders/User/mcp.json',
      'user /home/me/.config/Code - Insiders/User/settings.json',
    ]);
    expect(files.zed).toEqual([
      'project /work/app/.zed/settings.json',
      'user /home/me/.config/zed/settings.json',
    ]);
    expect(files['gemini-cli']).toContain('system /etc/gemini-cli/settings.json');

    const xdg = filesFor({
      ...linux,
      env: { XDG_CONFIG_HOME: '/xdg', CODEX_HOME: '/opt/codex', OPENCODE_CONFIG: 'oc.json' },
    });
    expect(xdg.zed).toContain('user /xdg/zed/settings.json');
    expect(xdg.vscode).toContain('user /xdg/Code/User/mcp.json');
    expect(xdg.opencode).toContain('user /xdg/opencode/opencode.json');
    expect(xdg.opencode).toContain('user /work/app/oc.json');
    expect(xdg.codex).toEqual(['project /work/app/.codex/config.toml', 'user /opt/codex/config.toml']);
    // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
    expect(filesFor({ ...linux, env: { XDG_CONFIG_HOME: 'rel' } }).zed).toContain(
      'user /home/me/.config/zed/settings.json',
    );
  });

  it('macOS', () => {
    const files = filesFor(mac);
    expect(files['claude-desktop']).toEqual([
      'user /Users/me/Library/Application Support/Claude/claude_desktop_config.json',
    ]);
    expect(files['claude-code']).toContain('system /Library/Application Support/ClaudeCode/managed-mcp.json');
    expect(files.vscode).toContain('user /Users/me/Library/Application Support/Code/User/mcp.json');
    expect(files.cline).toContain(
      'user /Users/me/Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json',
    );
    expect(files.zed).toContain('user /Users/me/.config/zed/settings.json');
    expect(files['gemini-cli']).toContain('system /Library/Application Support/GeminiCli/settings.json');
    expect(files.generic).toEqual(
      expect.arrayContaining([
        'user /Users/me/Library/Application Support/Claude Code/claude_code_config.json',
        'user /Users/me/Library/Application Support/Claude/claude_code_config.json',
      ]),
    );
  });

  it('Windows, from APPDATA and the home, joined with backslashes', () => {
    const files = filesFor(win);
    expect(files['claude-code']).toEqual([
      'project D:\\src\\app\\.mcp.json',
      'user C:\\Users\\me\\.claude.json',
      'system C:\\Program Files\\ClaudeCode\\managed-mcp.json',
    ]);
    expect(files['claude-desktop']).toEqual([
      'user C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
    ]);
    expect(files.cursor).toEqual([
      'project D:\\src\\app\\.cursor\\mcp.json',
      'user C:\\Users\\me\\.cursor\\mcp.json',
    ]);
    expect(files.vscode).toContain('user C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json');
    expect(files.windsurf).toContain('user C:\\Users\\me\\.codeium\\windsurf\\mcp_config.json');
    expect(files['gemini-cli']).toContain('system C:\\ProgramData\\gemini-cli\\settings.json');
    expect(files.zed).toContain('user C:\\Users\\me\\AppData\\Roaming\\Zed\\settings.json');
    expect(files.opencode).toContain('user C:\\Users\\me\\.config\\opencode\\opencode.json');
    expect(files.codex).toContain('user C:\\Users\\me\\.codex\\config.toml');
  });

  it('Windows env names are case-insensitive and APPDATA falls back to the home', () => {
    const lower = filesFor({ ...win, env: { appdata: 'E:\\Roaming' } });
    expect(lower['claude-desktop']).toEqual(['user E:\\Roaming\\Claude\\claude_desktop_config.json']);
    const none = filesFor({ ...win, env: {} });
    expect(none['claude-desktop']).toEqual([
      'user C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
    ]);
  });

  it('MCP_SERVERS_CONFIG names a file (JSON or TOML) or holds inline JSON', () => {
    const file = CLIENT_ADAPTERS.find((a) => a.id === 'generic')!.locations({
      ...linux,
      env: { MCP_SERVERS_CONFIG: '~/servers.toml' },
    })[0];
    expect(file).toEqual({ file: '/home/me/servers.toml', scope: 'explicit', format: 'toml' });
    const inline = CLIENT_ADAPTERS.find((a) => a.id === 'generic')!.locations({
      ...linux,
      env: { MCP_SERVERS_CONFIG: ' {"mcpServers":{}}' },
    })[0];
    expect(inline).toMatchObject({
      file: '$MCP_SERVERS_CONFIG',
      scope: 'explicit',
      inlineText: ' {"mcpServers":{}}',
    });
  });
});
