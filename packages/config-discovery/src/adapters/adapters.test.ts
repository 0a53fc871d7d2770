import { describe, expect, it } from 'vitest';
import type { ParseContext } from '../adapter.js';
import type { DocumentFormat } from '../parse-document.js';
import type { Scope } from '../server.js';
import {
  claudeCode,
  claudeDesktop,
  cline,
  codex,
  cursor,
  geminiCli,
  generic,
  opencode,
  rooCode,
  vscode,
  windsurf,
  zed,
} from './index.js';

function ctx(
  file: string,
  scope: Scope = 'user',
  format: DocumentFormat = 'jsonc',
  cwd = '/work/app',
): ParseContext {
  return { file, scope, format, cwd, home: '/home/me', platform: 'linux' };
}

describe('claude-code parse', () => {
  const state = JSON.stringify({
    mcpServers: { user1: { command: 'a' } },
    projects: {
      '/work/app': { mcpServers: { local1: { type: 'http', url: 'https://x.test/mcp' } } },
      '/work/other': { mcpServers: { elsewhere: { command: 'b' } } },
    },
  });

  it('reads user scope and the local scope of the current project only', () => {
    const result = claudeCode.parse(state, ctx('/home/me/.claude.json', 'user', 'json'));
    expect(result.diagnostics).toEqual([]);
    expect(result.servers.map((s) => [s.name, s.source.scope, s.source.path])).toEqual([
      ['local1', 'local', ['projects', '/work/app', 'mcpServers', 'local1']],
      ['user1', 'user', ['mcpServers', 'user1']],
    ]);
  });

  it('matches Windows project keys regardless of slashes and case', () => {
    const text = JSON.stringify({ projects: { 'C:/Git/App': { mcpServers: { w: { command: 'w.exe' } } } } });
    const result = claudeCode.parse(text, {
      ...ctx('C:\\Users\\me\\.claude.json', 'user', 'json'),
      platform: 'win32',
      cwd: 'C:\\git\\app\\',
    });
    expect(result.servers.map((s) => [s.name, s.source.scope])).toEqual([['w', 'local']]);
  });

  it('reads .mcp.json without a projects section and infers transports', () => {
    const text = JSON.stringify({
      mcpServers: {
        s: { command: 'npx', args: ['-y', 'pkg'], env: { A: '1' } },
        h: { type: 'http', url: 'https://h.test/mcp', headers: { X: 'y' } },
        e: { type: 'sse', url: 'https://e.test/sse' },
        u: { url: 'https://u.test/mcp' },
      },
    });
    const result = claudeCode.parse(text, ctx('/work/app/.mcp.json', 'project', 'json'));
    expect(result.servers.map((s) => s.transport)).toEqual([
      { type: 'stdio', command: 'npx', args: ['-y', 'pkg'], env: { A: '1' } },
      { type: 'http', url: 'https://h.test/mcp', headers: { X: 'y' } },
      { type: 'sse', url: 'https://e.test/sse', headers: {} },
      { type: 'http', url: 'https://u.test/mcp', headers: {} },
    ]);
  });
});

describe('entry validation (shared by the mcpServers dialects)', () => {
  const file = '/work/app/.mcp.json';
  const cases: { name: string; entry: unknown; problem: RegExp }[] = [
    {
      name: 'args not an array',
      entry: { command: 'x', args: 'a b' },
      problem: /"args" must be an array of strings/,
    },
    {
      name: 'env value not a string',
      entry: { command: 'x', env: { A: 1 } },
      problem: /"env.A" must be a string/,
    },
    { name: 'command not a string', entry: { command: ['x'] }, problem: /"command" must be a string/ },
    { name: 'unknown type', entry: { type: 'websocket', url: 'ws://x' }, problem: /"type" is "websocket"/ },
    { name: 'neither command nor url', entry: { args: [] }, problem: /neither "command" nor "url"/ },
    { name: 'empty command', entry: { command: '  ' }, problem: /non-empty "command"/ },
    { name: 'not an object', entry: 'npx server', problem: /is a string, not an object/ },
    {
      name: 'disabled not boolean',
      entry: { command: 'x', disabled: 'yes' },
      problem: /"disabled" must be true or false/,
    },
  ];
  for (const { name, entry, problem } of cases) {
    it(`reports ${name} and still reads the other entries`, () => {
      const text = JSON.stringify({ mcpServers: { bad: entry, good: { command: 'ok' } } });
      const result = claudeCode.parse(text, ctx(file, 'project', 'json'));
      expect(result.servers.map((s) => s.name)).toEqual(['good']);
      expect(result.diagnostics).toHaveLength(1);
      expect(result.diagnostics[0]).toMatchObject({
        severity: 'error',
        code: 'invalid-entry',
        file,
        path: ['mcpServers', 'bad'],
        server: 'bad',
        line: 1,
      });
      expect(result.diagnostics[0]!.message).toMatch(problem);
    });
  }

  it('reports a non-object top level', () => {
    const result = claudeCode.parse('[1, 2]', ctx(file, 'project', 'json'));
    expect(result.servers).toEqual([]);
    expect(result.diagnostics).toMatchObject([{ code: 'invalid-root', severity: 'error' }]);
    expect(result.diagnostics[0]!.message).toContain('an array');
  });

  it('reports a section that is not an object', () => {
    const result = claudeCode.parse('{"mcpServers": []}', ctx(file, 'project', 'json'));
    expect(result.diagnostics).toMatchObject([{ code: 'invalid-section', path: ['mcpServers'] }]);
  });

  it('reports broken JSON with its line and column', () => {
    const result = claudeCode.parse(
      '{\n  "mcpServers": {\n    "a": { "command": "x" \n  }\n',
      ctx(file, 'project', 'json'),
    );
    expect(result.servers).toEqual([]);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: 'parse-error', file });
    expect(result.diagnostics[0]!.message).toMatch(/\.mcp\.json:\d+:\d+: not valid JSON/);
  });

  it('keeps keys such as __proto__ as plain data', () => {
    const result = claudeCode.parse(
      '{"mcpServers": {"__proto__": {"command": "x"}}}',
      ctx(file, 'project', 'json'),
    );
    expect(result.servers.map((s) => s.name)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).command).toBeUndefined();
  });
});

describe('client dialects', () => {
  it('Claude Desktop reads mcpServers', () => {
    const result = claudeDesktop.parse(
      '{"mcpServers":{"fs":{"command":"npx","args":["x"]}}}',
      ctx('/c.json'),
    );
    expect(result.servers[0]).toMatchObject({
      name: 'fs',
      enabled: true,
      source: { client: 'claude-desktop' },
    });
  });

  it('Cursor keeps envFile', () => {
    const result = cursor.parse('{"mcpServers":{"a":{"command":"x","envFile":".env"}}}', ctx('/c.json'));
    expect(result.servers[0]!.transport).toMatchObject({ type: 'stdio', envFile: '.env' });
  });

  it('VS Code reads servers from mcp.json and mcp.servers from settings.json (nested or dotted)', () => {
    const mcp = vscode.parse(
      '{ // c\n "servers": {"a": {"type": "sse", "url": "https://a/sse"}}, }',
      ctx('/u/mcp.json'),
    );
    expect(mcp.servers.map((s) => [s.name, s.transport.type])).toEqual([['a', 'sse']]);
    const nested = vscode.parse('{"mcp": {"servers": {"b": {"command": "b"}}}}', ctx('/u/settings.json'));
    const dotted = vscode.parse('{"mcp.servers": {"c": {"command": "c"}}}', ctx('/u/settings.json'));
    expect(nested.servers.map((s) => s.source.path)).toEqual([['mcp', 'servers', 'b']]);
    expect(dotted.servers.map((s) => s.source.path)).toEqual([['mcp.servers', 'c']]);
  });

  it('Windsurf reads serverUrl and picks SSE for /sse endpoints', () => {
    const result = windsurf.parse(
      JSON.stringify({
        mcpServers: {
          a: { serverUrl: 'https://a.test/mcp' },
          b: { serverUrl: 'https://b.test/sse' },
          c: { command: 'x', disabled: true },
        },
      }),
      ctx('/w.json'),
    );
    expect(result.servers.map((s) => [s.name, s.transport.type, s.enabled])).toEqual([
      ['a', 'http', true],
      ['b', 'sse', true],
      ['c', 'stdio', false],
    ]);
  });

  it('Gemini CLI: httpUrl is Streamable HTTP, url is SSE unless typed, cwd kept, excluded/allowed disable', () => {
    const text = JSON.stringify({
      mcp: { excluded: ['ex'], allowed: ['h', 's', 't', 'c', 'ex'] },
      mcpServers: {
        h: { httpUrl: 'https://h/mcp' },
        s: { url: 'https://s/sse' },
        t: { type: 'http', url: 'https://t/mcp' },
        c: { command: 'py', cwd: './srv' },
        ex: { command: 'ex' },
        notAllowed: { command: 'na' },
      },
    });
    const result = geminiCli.parse(text, ctx('/g.json'));
    expect(result.servers.map((s) => [s.name, s.transport.type, s.enabled])).toEqual([
      ['h', 'http', true],
      ['s', 'sse', true],
      ['t', 'http', true],
      ['c', 'stdio', true],
      ['ex', 'stdio', false],
      ['notAllowed', 'stdio', false],
    ]);
    expect(result.servers[3]!.transport).toMatchObject({ cwd: './srv' });
  });

  it('Codex reads [mcp_servers] tables with env_vars, bearer_token_env_var and env_http_headers', () => {
    const toml = [
      '[mcp_servers.a]',
      'command = "a"',
      'env_vars = ["TOKEN"]',
      '[mcp_servers.a.env]',
      'X = "1"',
      '[mcp_servers.b]',
      'url = "https://b/mcp"',
      'bearer_token_env_var = "B_TOKEN"',
      'http_headers = { "X-A" = "1" }',
      'env_http_headers = { "X-B" = "B_ENV" }',
      'enabled = false',
    ].join('\n');
    const result = codex.parse(toml, ctx('/c.toml', 'user', 'toml'));
    expect(result.diagnostics).toEqual([]);
    expect(result.servers).toMatchObject([
      {
        name: 'a',
        enabled: true,
        transport: { type: 'stdio', command: 'a', args: [], env: { X: '1' }, envPassthrough: ['TOKEN'] },
        source: { line: 1 },
      },
      {
        name: 'b',
        enabled: false,
        transport: {
          type: 'http',
          url: 'https://b/mcp',
          headers: { 'X-A': '1' },
          headersFromEnv: { 'X-B': 'B_ENV' },
          bearerTokenEnvVar: 'B_TOKEN',
        },
        source: { line: 6 },
      },
    ]);
  });

  it('Codex rejects an inline bearer_token and reports TOML syntax errors with a line', () => {
    const inline = codex.parse(
      '[mcp_servers.x]\nurl = "https://x"\nbearer_token = "abc"\n',
      ctx('/c.toml', 'user', 'toml'),
    );
    expect(inline.servers).toEqual([]);
    expect(inline.diagnostics[0]!.message).toContain('bearer_token_env_var');
    expect(inline.diagnostics[0]!.message).not.toContain('abc');
    const broken = codex.parse('[mcp_servers.x\ncommand = 1', ctx('/c.toml', 'user', 'toml'));
    expect(broken.diagnostics).toMatchObject([{ code: 'parse-error', line: 1 }]);
  });

  it('OpenCode maps local/remote entries and reports the rest', () => {
    const text = `{
      "mcp": {
        "l": { "type": "local", "command": ["bun", "x", "srv"], "environment": { "A": "{env:A}" }, },
        "r": { "type": "remote", "url": "https://r/mcp", "headers": { "K": "v" }, "enabled": false },
        "stdio-style": { "type": "stdio", "command": "python", "args": ["s.py"] },
        "toggle": { "enabled": true },
      },
    }`;
    const result = opencode.parse(text, ctx('/o.jsonc'));
    expect(result.servers.map((s) => [s.name, s.transport, s.enabled])).toEqual([
      ['l', { type: 'stdio', command: 'bun', args: ['x', 'srv'], env: { A: '{env:A}' } }, true],
      ['r', { type: 'http', url: 'https://r/mcp', headers: { K: 'v' } }, false],
    ]);
    expect(result.diagnostics.map((d) => [d.server, d.code, d.severity])).toEqual([
      ['stdio-style', 'invalid-entry', 'error'],
      ['toggle', 'unsupported-entry', 'info'],
    ]);
  });

  it('OpenCode accepts servers nested under mcp.servers', () => {
    const result = opencode.parse(
      '{"mcp":{"servers":{"n":{"type":"local","command":["n"]}}}}',
      ctx('/o.json'),
    );
    expect(result.servers.map((s) => s.source.path)).toEqual([['mcp', 'servers', 'n']]);
  });

  it('Zed reads custom servers, the older command object and URLs, and reports extension servers', () => {
    const text = `{
      "context_servers": {
        "a": { "command": "a", "args": ["1"], "env": {} },
        "b": { "command": { "path": "/bin/b", "args": ["2"], "env": { "E": "e" } }, "settings": {} },
        "c": { "url": "https://c/mcp", "headers": { "H": "h" } },
        "ext": { "source": "extension", "settings": { "key": "" } },
        "off": { "command": "off", "enabled": false },
      }
    }`;
    const result = zed.parse(text, ctx('/z.json'));
    expect(result.servers.map((s) => [s.name, s.transport, s.enabled])).toEqual([
      ['a', { type: 'stdio', command: 'a', args: ['1'], env: {} }, true],
      ['b', { type: 'stdio', command: '/bin/b', args: ['2'], env: { E: 'e' } }, true],
      ['c', { type: 'http', url: 'https://c/mcp', headers: { H: 'h' } }, true],
      ['off', { type: 'stdio', command: 'off', args: [], env: {} }, false],
    ]);
    expect(result.diagnostics).toMatchObject([
      { server: 'ext', code: 'unsupported-entry', severity: 'info' },
    ]);
  });

  it('Cline maps streamableHttp, the legacy transportType, and SSE for untyped URLs', () => {
    const text = JSON.stringify({
      mcpServers: {
        a: { type: 'streamableHttp', url: 'https://a/mcp' },
        b: { transportType: 'sse', url: 'https://b/sse' },
        c: { url: 'https://c/sse', disabled: true },
      },
    });
    const result = cline.parse(text, ctx('/cline.json'));
    expect(result.servers.map((s) => [s.name, s.transport.type, s.enabled])).toEqual([
      ['a', 'http', true],
      ['b', 'sse', true],
      ['c', 'sse', false],
    ]);
  });

  it('Roo Code maps streamable-http', () => {
    const result = rooCode.parse(
      '{"mcpServers":{"a":{"type":"streamable-http","url":"https://a/mcp"}}}',
      ctx('/r.json'),
    );
    expect(result.servers[0]!.transport.type).toBe('http');
  });

  it('generic files accept mcpServers, servers and mcp_servers (TOML)', () => {
    expect(generic.parse('{"servers":{"a":{"command":"a"}}}', ctx('/g.json')).servers).toHaveLength(1);
    const toml = generic.parse('[mcp_servers.t]\ncommand = "t"\n', ctx('/g.toml', 'explicit', 'toml'));
    expect(toml.servers.map((s) => [s.name, s.source.scope])).toEqual([['t', 'explicit']]);
  });
});
