// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config variable syntax, not templates
import { describe, expect, it } from 'vitest';
import { discover } from '../discover.js';
import { createMemoryFileSystem, type MemoryFile } from '../file-system.js';
import type { McpServerConfig } from '../server.js';
import { audit } from './audit.js';
import type { AuditRuleId, Finding } from './findings.js';
import type { Which } from './which.js';

const random = 'q7Zt2LmX9vBw4KpR8sYd3NfH6jGc1TaE5uWo0iVe';
const githubToken = `ghp_${random.slice(0, 36)}`;
const onPath = new Set(['npx', 'uvx', 'node', 'python3', 'docs-server']);
const which: Which = (command) => (onPath.has(command) ? `/usr/bin/${command}` : undefined);

async function run(
  files: Record<string, MemoryFile>,
  options: {
    env?: Record<string, string>;
    platform?: NodeJS.Platform;
    exclude?: (server: McpServerConfig) => string | undefined;
    selfReference?: (server: McpServerConfig) => string | undefined;
  } = {},
) {
  const platform = options.platform ?? 'linux';
  const result = await discover({
    platform,
    home: '/home/me',
    cwd: '/work/app',
    env: options.env ?? {},
    fs: createMemoryFileSystem(files),
    ...(options.exclude ? { exclude: options.exclude } : {}),
  });
  return audit(result, {
    env: options.env ?? {},
    which,
    fs: createMemoryFileSystem(files),
    ...(options.selfReference ? { selfReference: options.selfReference } : {}),
  });
}

const mcp = (servers: Record<string, unknown>) => JSON.stringify({ mcpServers: servers }, null, 2);
const rules = (findings: Finding[]) => findings.map((f) => f.ruleId);
const only = (findings: Finding[], rule: AuditRuleId) => findings.filter((f) => f.ruleId === rule);

describe('audit rules', () => {
  it('secret-in-config: fires on literal secrets in env, args, URLs and headers, never prints them', async () => {
    const findings = await run({
      '/work/app/.mcp.json': mcp({
        gh: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-github@1.0.0'],
          env: { GITHUB_TOKEN: githubToken },
        },
        api: {
          type: 'http',
          url: 'https://api.example.com/mcp',
          headers: { Authorization: 'Bearer abcdef0123456789' },
        },
        q: { type: 'http', url: 'https://x.example.com/mcp?api_key=Zx8kP2vQ9mW4' },
        flag: { command: 'node', args: ['s.js', '--api-key', 'a8F3kLp2Qz9XwT'] },
      }),
    });
    const secrets = only(findings, 'secret-in-config');
    expect(secrets.map((f) => [f.server, f.severity, f.location.path.slice(2)])).toEqual([
      ['api', 'high', ['headers', 'Authorization']],
      ['gh', 'high', ['env', 'GITHUB_TOKEN']],
      ['q', 'high', ['url']],
      ['flag', 'medium', ['args', 2]],
    ]);
    const text = JSON.stringify(findings);
    expect(text).not.toContain(githubToken);
    expect(text).not.toContain('abcdef0123456789');
    expect(secrets.find((f) => f.server === 'gh')!.message).toContain(`ghp_… (${githubToken.length} chars)`);
    expect(secrets.find((f) => f.server === 'gh')!.hint).toContain('"${GITHUB_TOKEN}"');
  });

  it('secret-in-config: does not fire on variable references', async () => {
    const findings = await run({
      '/work/app/.mcp.json': mcp({
        gh: { command: 'node', args: ['s.js'], env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } },
        api: {
          type: 'http',
          url: 'https://api.example.com/mcp',
          headers: { Authorization: 'Bearer ${API_TOKEN}' },
        },
      }),
    });
    expect(only(findings, 'secret-in-config')).toEqual([]);
  });

  it('secret-file-permissions: fires for a group/other-readable file with secrets, not for 0600 or on Windows', async () => {
    const entry = mcp({ gh: { command: 'node', args: [], env: { GITHUB_TOKEN: githubToken } } });
    const open = await run({ '/work/app/.mcp.json': { text: entry, mode: 0o644 } });
    expect(only(open, 'secret-file-permissions')).toMatchObject([
      { severity: 'high', location: { file: '/work/app/.mcp.json' } },
    ]);
    expect(only(open, 'secret-file-permissions')[0]!.message).toContain('0644');
    const closed = await run({ '/work/app/.mcp.json': { text: entry, mode: 0o600 } });
    expect(only(closed, 'secret-file-permissions')).toEqual([]);
    const noSecrets = await run({
      '/work/app/.mcp.json': { text: mcp({ a: { command: 'node' } }), mode: 0o666 },
    });
    expect(only(noSecrets, 'secret-file-permissions')).toEqual([]);
    const windows = await discover({
      platform: 'win32',
      home: 'C:\\Users\\me',
      cwd: 'C:\\app',
      env: {},
      fs: createMemoryFileSystem({ 'C:\\app\\.mcp.json': { text: entry, mode: 0o644 } }),
    });
    expect(only(await audit(windows, { env: {}, which }), 'secret-file-permissions')).toEqual([]);
  });

  it('unpinned-package and auto-install-flag: fire for npx -y without a version, uvx, pipx run, bunx, pnpm dlx', async () => {
    const findings = await run({
      '/work/app/.mcp.json': mcp({
        a: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] },
        b: { command: 'uvx', args: ['mcp-server-fetch'] },
        c: { command: 'pipx', args: ['run', 'mcp-tool'] },
        d: { command: 'bunx', args: ['my-mcp@latest'] },
        e: { command: 'pnpm', args: ['dlx', 'some-mcp'] },
        pinned: { command: 'npx', args: ['@modelcontextprotocol/server-memory@2026.8.31'] },
        pinnedPy: { command: 'uvx', args: ['mcp-server-time==0.6.2'] },
      }),
    });
    expect(only(findings, 'unpinned-package').map((f) => f.server)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(only(findings, 'auto-install-flag').map((f) => [f.server, f.severity])).toEqual([['a', 'low']]);
    expect(only(findings, 'unpinned-package')[0]!.hint).toContain(
      '@modelcontextprotocol/server-filesystem@<version>',
    );
  });

  it('command-not-found: fires for enabled servers whose command is missing, after expansion', async () => {
    const findings = await run(
      {
        '/work/app/.mcp.json': mcp({
          missing: { command: 'definitely-not-installed' },
          expanded: { command: '${BIN:-node}' },
          off: { command: 'also-missing', disabled: true },
          ok: { command: 'python3' },
        }),
      },
      { env: {} },
    );
    expect(only(findings, 'command-not-found').map((f) => f.server)).toEqual(['missing']);
    expect(only(findings, 'command-not-found')[0]!.location.path).toEqual([
      'mcpServers',
      'missing',
      'command',
    ]);
  });

  it('insecure-http: fires for plain http to other hosts, not for https or loopback', async () => {
    const findings = await run({
      '/work/app/.mcp.json': mcp({
        remote: { type: 'http', url: 'http://mcp.example.com/mcp' },
        creds: { type: 'sse', url: 'http://10.0.0.5:8080/sse', headers: { Authorization: 'Bearer ${T}' } },
        local: { type: 'http', url: 'http://localhost:3000/mcp' },
        loop: { type: 'http', url: 'http://127.0.0.1:3000/mcp' },
        v6: { type: 'http', url: 'http://[::1]:3000/mcp' },
        tls: { type: 'http', url: 'https://mcp.example.com/mcp' },
        broken: { type: 'http', url: 'not a url' },
      }),
    });
    expect(only(findings, 'insecure-http').map((f) => [f.server, f.severity])).toEqual([
      ['creds', 'high'],
      ['remote', 'medium'],
    ]);
    expect(only(findings, 'invalid-entry').map((f) => f.server)).toEqual(['broken']);
  });

  it('conflicting-definitions: fires when the same name differs between places, not for identical copies', async () => {
    const findings = await run({
      '/work/app/.mcp.json': mcp({
        fs: { command: 'npx', args: ['@modelcontextprotocol/server-filesystem@1.0.0', '/a'] },
      }),
      '/home/me/.cursor/mcp.json': mcp({
        fs: { command: 'npx', args: ['@modelcontextprotocol/server-filesystem@1.0.0', '/b'] },
        same: { command: 'node', args: ['s.js'] },
      }),
      '/home/me/.claude.json': mcp({ same: { command: 'node', args: ['s.js'] } }),
    });
    const conflicts = only(findings, 'conflicting-definitions');
    expect(conflicts.map((f) => f.server)).toEqual(['fs']);
    expect(conflicts[0]!.message).toContain(
      'claude-code project (/work/app/.mcp.json) wins over cursor user (/home/me/.cursor/mcp.json)',
    );
  });

  it('invalid-entry, invalid-config-file and unreadable-config-file come from diagnostics', async () => {
    const findings = await run({
      '/work/app/.mcp.json': mcp({ bad: { command: 42 }, good: { command: 'node' } }),
      '/home/me/.cursor/mcp.json': '{ "mcpServers": ',
      '/home/me/.claude.json': { error: 'symlink-loop', message: 'ELOOP' },
    });
    expect(rules(findings)).toEqual(
      expect.arrayContaining(['invalid-entry', 'invalid-config-file', 'unreadable-config-file']),
    );
    expect(only(findings, 'invalid-entry')[0]).toMatchObject({
      server: 'bad',
      location: { path: ['mcpServers', 'bad'], line: 3 },
    });
  });

  it('excluded and self-reference: a left-out entry is reported, and a kept one the caller calls itself is louder', async () => {
    const files = {
      '/work/app/.mcp.json': mcp({ loop: { command: 'my-aggregator' }, other: { command: 'node' } }),
    };
    const itself = (server: McpServerConfig) =>
      server.transport.type === 'stdio' && server.transport.command === 'my-aggregator'
        ? 'it is me'
        : undefined;
    const skipped = await run(files, { exclude: itself, selfReference: itself });
    expect(only(skipped, 'excluded')).toMatchObject([
      { server: 'loop', severity: 'low', message: 'server "loop" is left out: it is me' },
    ]);
    expect(only(skipped, 'self-reference')).toEqual([]);
    const kept = await run(files, { selfReference: itself });
    expect(only(kept, 'self-reference')).toMatchObject([{ server: 'loop', severity: 'medium' }]);
    expect(only(kept, 'excluded')).toEqual([]);
    expect(only(await run(files), 'self-reference')).toEqual([]);
  });

  it('a clean config has no findings, and findings are sorted by severity', async () => {
    expect(
      await run({
        '/work/app/.mcp.json': mcp({
          mem: { command: 'npx', args: ['@modelcontextprotocol/server-memory@2026.8.31'] },
          api: {
            type: 'http',
            url: 'https://api.example.com/mcp',
            headers: { Authorization: 'Bearer ${TOKEN}' },
          },
        }),
      }),
    ).toEqual([]);
    const mixed = await run({
      '/work/app/.mcp.json': mcp({ a: { command: 'uvx', args: ['x'], env: { GITHUB_TOKEN: githubToken } } }),
    });
    expect(mixed.map((f) => f.severity)).toEqual(['high', 'medium']);
  });
});
