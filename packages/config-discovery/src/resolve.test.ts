// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config variable syntax, not templates
import { describe, expect, it } from 'vitest';
import { parseEnvFile, resolveServer } from './resolve.js';
import type { McpServerConfig } from './server.js';

function server(client: string, transport: McpServerConfig['transport']): McpServerConfig {
  return {
    name: 's',
    transport,
    enabled: true,
    source: { client, scope: 'user', file: '/f.json', path: ['mcpServers', 's'] },
  };
}

const base = { cwd: '/work/app', home: '/home/me', platform: 'linux' as const };

describe('resolveServer', () => {
  it('expands Claude Code variables in command, args, env, url and headers', () => {
    const stdio = resolveServer(
      server('claude-code', {
        type: 'stdio',
        command: '${BIN:-npx}',
        args: ['--dir', '${PROJECT}'],
        env: { TOKEN: '${TOKEN}' },
        cwd: 'sub',
      }),
      { ...base, env: { PROJECT: '/p', TOKEN: 'abc' } },
    );
    expect(stdio.diagnostics).toEqual([]);
    expect(stdio.server.transport).toEqual({
      type: 'stdio',
      command: 'npx',
      args: ['--dir', '/p'],
      env: { TOKEN: 'abc' },
      cwd: '/work/app/sub',
    });
    const http = resolveServer(
      server('claude-code', {
        type: 'http',
        url: '${BASE}/mcp',
        headers: { Authorization: 'Bearer ${KEY}' },
      }),
      { ...base, env: { BASE: 'https://x' } },
    );
    expect(http.server.transport).toEqual({
      type: 'http',
      url: 'https://x/mcp',
      headers: { Authorization: 'Bearer ${KEY}' },
    });
    expect(http.diagnostics).toMatchObject([
      {
        code: 'missing-variable',
        severity: 'warning',
        server: 's',
        file: '/f.json',
        path: ['mcpServers', 's'],
      },
    ]);
    expect(http.diagnostics[0]!.message).toContain('KEY');
  });

  it('leaves raw servers untouched (discovery keeps the raw text for audit)', () => {
    const raw = server('claude-code', { type: 'stdio', command: 'x', args: ['${A}'], env: {} });
    resolveServer(raw, { ...base, env: { A: 'a' } });
    expect(raw.transport).toMatchObject({ args: ['${A}'] });
  });

  it('uses VS Code inputs and workspace variables', () => {
    const result = resolveServer(
      server('vscode', {
        type: 'stdio',
        command: 'node',
        args: ['${workspaceFolder}/s.js'],
        env: { KEY: '${input:key}', HOME_DIR: '${userHome}' },
      }),
      { ...base, env: {}, inputs: { key: 'k' } },
    );
    expect(result.server.transport).toMatchObject({
      args: ['/work/app/s.js'],
      env: { KEY: 'k', HOME_DIR: '/home/me' },
    });
  });

  it('applies Codex pass-through: env_vars, bearer_token_env_var and env_http_headers', () => {
    const stdio = resolveServer(
      server('codex', {
        type: 'stdio',
        command: 'c',
        args: ['${NOT_EXPANDED}'],
        env: { A: '1' },
        envPassthrough: ['P', 'Q'],
      }),
      { ...base, env: { P: 'p', NOT_EXPANDED: 'x' } },
    );
    expect(stdio.server.transport).toEqual({
      type: 'stdio',
      command: 'c',
      args: ['${NOT_EXPANDED}'],
      env: { P: 'p', A: '1' },
    });
    expect(stdio.diagnostics.map((d) => [d.code, d.severity])).toEqual([['missing-variable', 'info']]);
    const http = resolveServer(
      server('codex', {
        type: 'http',
        url: 'https://f/mcp',
        headers: { 'X-A': '1' },
        headersFromEnv: { 'X-Org': 'ORG', 'X-Missing': 'NOPE' },
        bearerTokenEnvVar: 'TOK',
      }),
      { ...base, env: { ORG: 'acme', TOK: 'secret' } },
    );
    expect(http.server.transport).toEqual({
      type: 'http',
      url: 'https://f/mcp',
      headers: { 'X-A': '1', 'X-Org': 'acme', Authorization: 'Bearer secret' },
    });
    expect(http.diagnostics).toHaveLength(1);
    expect(http.diagnostics[0]!.message).toContain('NOPE');
  });

  it('loads an envFile through readFile, with the entry env winning', () => {
    const files: Record<string, string> = {
      '/work/app/.env': 'export A=from-file\nB="quoted value"\n# c\nC=x # note\n',
    };
    const result = resolveServer(
      server('cursor', {
        type: 'stdio',
        command: 'x',
        args: [],
        env: { A: 'from-entry' },
        envFile: '${workspaceFolder}/.env',
      }),
      { ...base, env: {}, readFile: (p) => files[p] },
    );
    expect(result.server.transport).toEqual({
      type: 'stdio',
      command: 'x',
      args: [],
      env: { A: 'from-entry', B: 'quoted value', C: 'x' },
    });
    const unloaded = resolveServer(
      server('cursor', { type: 'stdio', command: 'x', args: [], env: {}, envFile: '.env' }),
      { ...base, env: {} },
    );
    expect(unloaded.diagnostics[0]!.message).toContain('/work/app/.env was not loaded');
  });

  it('expands nothing for clients that do not (Claude Desktop, Zed, Cline)', () => {
    for (const client of ['claude-desktop', 'zed', 'cline', 'unknown-client']) {
      const result = resolveServer(server(client, { type: 'stdio', command: 'x', args: ['${A}'], env: {} }), {
        ...base,
        env: { A: 'a' },
      });
      expect(result.server.transport).toMatchObject({ args: ['${A}'] });
    }
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=value lines', () => {
    expect(parseEnvFile("A=1\n\n#x\nexport B='two'\nC = spaced\nbad line\n")).toEqual({
      A: '1',
      B: 'two',
      C: 'spaced',
    });
  });
});
