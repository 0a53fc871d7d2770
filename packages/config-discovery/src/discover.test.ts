import { describe, expect, it } from 'vitest';
import { discover } from './discover.js';
import { ConfigDiscoveryError } from './errors.js';
import { type ConfigFileSystem, createMemoryFileSystem } from './file-system.js';

const mcp = (servers: Record<string, unknown>) => JSON.stringify({ mcpServers: servers });

describe('discover with an injected file system', () => {
  it('reads a Windows machine: APPDATA, USERPROFILE and backslash paths', async () => {
    const fs = createMemoryFileSystem({
      'C:\\Users\\me\\.claude.json': JSON.stringify({
        mcpServers: { user: { command: 'user.exe' } },
        projects: { 'D:/src/app': { mcpServers: { local: { command: 'local.exe' } } } },
      }),
      'D:\\src\\app\\.mcp.json': mcp({ proj: { command: 'proj.exe' } }),
      'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json': mcp({
        desk: { command: 'desk.exe' },
      }),
      'C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json':
        '{ "servers": { "vs": { "command": "vs.exe" } } }',
      'C:\\Users\\me\\.codex\\config.toml': '[mcp_servers.cx]\ncommand = "cx.exe"\n',
      'C:\\Users\\me\\AppData\\Roaming\\Zed\\settings.json':
        '{ "context_servers": { "zd": { "command": "zd.exe" } } }',
    });
    const result = await discover({
      platform: 'win32',
      home: 'C:\\Users\\me',
      cwd: 'D:\\src\\app',
      env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming', USERPROFILE: 'C:\\Users\\me' },
      fs,
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.servers.map((s) => [s.name, s.source.client, s.source.scope, s.source.file])).toEqual([
      ['cx', 'codex', 'user', 'C:\\Users\\me\\.codex\\config.toml'],
      [
        'desk',
        'claude-desktop',
        'user',
        'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
      ],
      ['local', 'claude-code', 'local', 'C:\\Users\\me\\.claude.json'],
      ['proj', 'claude-code', 'project', 'D:\\src\\app\\.mcp.json'],
      ['user', 'claude-code', 'user', 'C:\\Users\\me\\.claude.json'],
      ['vs', 'vscode', 'user', 'C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json'],
      ['zd', 'zed', 'user', 'C:\\Users\\me\\AppData\\Roaming\\Zed\\settings.json'],
    ]);
    expect(result.context).toEqual({ platform: 'win32', home: 'C:\\Users\\me', cwd: 'D:\\src\\app' });
  });

  it('reads a macOS machine: Application Support paths', async () => {
    const support = '/Users/me/Library/Application Support';
    const fs = createMemoryFileSystem({
      [`${support}/Claude/claude_desktop_config.json`]: mcp({ desk: { command: 'd' } }),
      [`${support}/Code/User/settings.json`]: '{ "mcp": { "servers": { "vs": { "command": "v" } } } }',
      [`${support}/Claude Code/claude_code_config.json`]: mcp({ legacy: { command: 'l' } }),
      '/Users/me/.config/zed/settings.json': '{ "context_servers": { "zd": { "url": "https://z/mcp" } } }',
      '/Library/Application Support/ClaudeCode/managed-mcp.json': mcp({ managed: { command: 'm' } }),
    });
    const result = await discover({
      platform: 'darwin',
      home: '/Users/me',
      cwd: '/Users/me/app',
      env: {},
      fs,
    });
    expect(result.servers.map((s) => [s.name, s.source.client, s.source.scope])).toEqual([
      ['desk', 'claude-desktop', 'user'],
      ['legacy', 'generic', 'user'],
      ['managed', 'claude-code', 'system'],
      ['vs', 'vscode', 'user'],
      ['zd', 'zed', 'user'],
    ]);
  });

  it('turns every read failure into a diagnostic and still reads the rest', async () => {
    const fs = createMemoryFileSystem({
      '/home/me/.claude.json': { error: 'permission-denied', message: 'EACCES: permission denied' },
      '/home/me/.cursor/mcp.json': { error: 'symlink-loop', message: 'ELOOP: too many symbolic links' },
      '/work/app/.mcp.json': { error: 'too-large', message: 'it is 9999999 bytes' },
      '/work/app/.cursor/mcp.json': { directory: true },
      '/home/me/.codex/config.toml': '[mcp_servers.ok]\ncommand = "ok"\n',
    });
    const result = await discover({ platform: 'linux', home: '/home/me', cwd: '/work/app', env: {}, fs });
    expect(result.servers.map((s) => s.name)).toEqual(['ok']);
    expect(result.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ['file-too-large', '/work/app/.mcp.json'],
      ['permission-denied', '/home/me/.claude.json'],
      ['not-a-file', '/work/app/.cursor/mcp.json'],
      ['symlink-loop', '/home/me/.cursor/mcp.json'],
    ]);
    const errors = result.sources.filter((s) => s.status === 'error').map((s) => s.file);
    expect(errors).toHaveLength(4);
    expect(result.sources.find((s) => s.file === '/home/me/.codex/config.toml')).toMatchObject({
      status: 'found',
      servers: 1,
    });
    expect(result.sources.filter((s) => s.status === 'not-found').length).toBeGreaterThan(10);
  });

  it('puts explicit files first, in the given order, and validates client names', async () => {
    const fs = createMemoryFileSystem({
      '/cfg/a.json': mcp({ s: { command: 'from-a' } }),
      '/cfg/b.toml': '[mcp_servers.s]\ncommand = "from-b"\n[mcp_servers.only-b]\ncommand = "b"\n',
      '/work/app/.mcp.json': mcp({ s: { command: 'from-project' } }),
      '/cfg/zed.json': '{ "context_servers": { "z": { "command": "z" } } }',
    });
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/work/app',
      env: {},
      fs,
      explicit: ['/cfg/a.json', '/cfg/b.toml', { path: '/cfg/zed.json', client: 'zed' }],
    });
    expect(
      result.servers.map((s) => [
        s.name,
        s.source.scope,
        s.transport.type === 'stdio' && s.transport.command,
      ]),
    ).toEqual([
      ['only-b', 'explicit', 'b'],
      ['s', 'explicit', 'from-a'],
      ['z', 'explicit', 'z'],
    ]);
    expect(result.shadowed.map((s) => [s.server.source.file, s.shadowedBy.file])).toEqual([
      ['/cfg/b.toml', '/cfg/a.json'],
      ['/work/app/.mcp.json', '/cfg/a.json'],
    ]);
    await expect(
      discover({ fs, cwd: '/w', home: '/h', platform: 'linux', explicit: [{ path: '/x', client: 'nope' }] }),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_CLIENT',
    });
    await expect(
      discover({ fs, cwd: '/w', home: '/h', platform: 'linux', sources: ['cursor', 'emacs'] }),
    ).rejects.toThrow(/emacs/);
  });

  it('reads only the requested clients', async () => {
    const fs = createMemoryFileSystem({
      '/work/app/.mcp.json': mcp({ a: { command: 'a' } }),
      '/work/app/.cursor/mcp.json': mcp({ b: { command: 'b' } }),
    });
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/work/app',
      env: {},
      fs,
      sources: ['cursor'],
    });
    expect(result.servers.map((s) => s.name)).toEqual(['b']);
    expect(new Set(result.sources.map((s) => s.client))).toEqual(new Set(['cursor']));
  });

  it('reads a file once when the project is the home directory', async () => {
    const fs = createMemoryFileSystem({ '/home/me/.cursor/mcp.json': mcp({ a: { command: 'a' } }) });
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/home/me',
      env: {},
      fs,
      sources: ['cursor'],
    });
    expect(result.sources.map((s) => [s.scope, s.file])).toEqual([['project', '/home/me/.cursor/mcp.json']]);
    expect(result.shadowed).toEqual([]);
  });

  it('lists directories in code-point order and ignores non-config files', async () => {
    const fs = createMemoryFileSystem({
      '/home/me/.config/mcp/servers/b.json': mcp({ s: { command: 'from-b' } }),
      '/home/me/.config/mcp/servers/B.json': mcp({ s: { command: 'from-B' } }),
      '/home/me/.config/mcp/servers/a.toml': '[mcp_servers.t]\ncommand = "t"\n',
      '/home/me/.config/mcp/servers/readme.md': '# notes',
    });
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/work',
      env: {},
      fs,
      sources: ['generic'],
    });
    expect(result.servers.map((s) => [s.name, s.source.file])).toEqual([
      ['s', '/home/me/.config/mcp/servers/B.json'],
      ['t', '/home/me/.config/mcp/servers/a.toml'],
    ]);
  });

  it('reads inline JSON from MCP_SERVERS_CONFIG as an explicit source', async () => {
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/work',
      env: { MCP_SERVERS_CONFIG: '{"mcpServers": {"inline": {"command": "i"}}}' },
      fs: createMemoryFileSystem({}),
    });
    expect(result.servers).toMatchObject([
      { name: 'inline', source: { scope: 'explicit', file: '$MCP_SERVERS_CONFIG' } },
    ]);
  });

  it('leaves out what the exclude option names, with its reason in skipped and a diagnostic; nothing by default', async () => {
    const fs = createMemoryFileSystem({
      '/work/app/.mcp.json': mcp({
        bridge: { command: 'npx', args: ['-y', '@codexec/code-exec-bridge'] },
        other: { command: 'other' },
      }),
    });
    const base = {
      platform: 'linux' as const,
      home: '/home/me',
      cwd: '/work/app',
      fs,
      sources: ['claude-code'],
    };
    // Nothing is left out unless asked: an audit script sees every entry.
    const everything = await discover({ ...base, env: {} });
    expect(everything.servers.map((s) => s.name)).toEqual(['bridge', 'other']);
    expect(everything.skipped).toEqual([]);

    const seen: string[] = [];
    const guarded = await discover({
      ...base,
      exclude: (server) => {
        seen.push(server.name);
        return server.name === 'bridge' ? 'it starts the caller itself' : undefined;
      },
    });
    expect(seen.sort()).toEqual(['bridge', 'other']);
    expect(guarded.servers.map((s) => s.name)).toEqual(['other']);
    expect(guarded.skipped).toMatchObject([
      { server: { name: 'bridge' }, reason: 'it starts the caller itself' },
    ]);
    expect(guarded.diagnostics).toMatchObject([
      {
        code: 'excluded',
        severity: 'warning',
        server: 'bridge',
        file: '/work/app/.mcp.json',
        message: 'server "bridge" in /work/app/.mcp.json was left out: it starts the caller itself',
      },
    ]);
  });

  it('rejects relative paths and honours cancellation and its timeout', async () => {
    await expect(
      discover({ cwd: 'rel', home: '/h', platform: 'linux', fs: createMemoryFileSystem({}) }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
    const controller = new AbortController();
    controller.abort();
    await expect(
      discover({
        cwd: '/w',
        home: '/h',
        platform: 'linux',
        fs: createMemoryFileSystem({}),
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(ConfigDiscoveryError);

    const hanging: ConfigFileSystem = {
      readFile: (_path, { signal }) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
      listDirectory: async () => ({ status: 'missing' }),
    };
    await expect(
      discover({ cwd: '/w', home: '/h', platform: 'linux', env: {}, fs: hanging, timeoutMs: 50 }),
    ).rejects.toThrow(/gave up after 50 ms/);
  });
});

describe('files that switch servers defined elsewhere', () => {
  it("Claude Code's disabledMcpjsonServers turns those .mcp.json servers off", async () => {
    const fs = createMemoryFileSystem({
      '/work/app/.mcp.json': mcp({ a: { command: 'a' }, b: { command: 'b' } }),
      '/home/me/.claude.json': JSON.stringify({
        projects: {
          '/work/app': { disabledMcpjsonServers: ['b'] },
          '/elsewhere': { disabledMcpjsonServers: ['a'] },
        },
      }),
    });
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/work/app',
      env: {},
      fs,
      sources: ['claude-code'],
    });
    expect(result.servers.map((s) => [s.name, s.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('an OpenCode project entry with only "enabled" switches the user definition', async () => {
    const fs = createMemoryFileSystem({
      '/home/me/.config/opencode/opencode.json':
        '{"mcp":{"j":{"type":"remote","url":"https://j/mcp","enabled":false}}}',
      '/work/app/opencode.json': '{"mcp":{"j":{"enabled":true}}}',
    });
    const result = await discover({
      platform: 'linux',
      home: '/home/me',
      cwd: '/work/app',
      env: {},
      fs,
      sources: ['opencode'],
    });
    expect(result.servers).toMatchObject([{ name: 'j', enabled: true, source: { scope: 'user' } }]);
    expect(result.diagnostics).toEqual([]);
  });
});

describe('defaults taken from the injected environment', () => {
  it('uses USERPROFILE as the home on Windows and HOME elsewhere', async () => {
    const fs = createMemoryFileSystem({
      'C:\\Users\\win\\.cursor\\mcp.json': mcp({ w: { command: 'w' } }),
      '/home/posix/.cursor/mcp.json': mcp({ p: { command: 'p' } }),
    });
    const win = await discover({
      platform: 'win32',
      cwd: 'C:\\app',
      env: { USERPROFILE: 'C:\\Users\\win' },
      fs,
      sources: ['cursor'],
    });
    expect(win.servers.map((s) => s.name)).toEqual(['w']);
    expect(win.context.home).toBe('C:\\Users\\win');
    const posix = await discover({
      platform: 'linux',
      cwd: '/app',
      env: { HOME: '/home/posix' },
      fs,
      sources: ['cursor'],
    });
    expect(posix.servers.map((s) => s.name)).toEqual(['p']);
  });
});
