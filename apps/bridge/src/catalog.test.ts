import type { McpServerConfig } from '@codexec/config-discovery';
import { describe, expect, it } from 'vitest';
import { catalogFrom, serverHint } from './catalog.js';

const source = (client: string, scope: 'user' | 'project', file: string, line?: number) => ({
  client,
  scope,
  file,
  path: ['mcpServers', 'x'],
  ...(line ? { line } : {}),
});

function stdio(
  name: string,
  command: string,
  args: string[],
  extra: Partial<McpServerConfig> = {},
): McpServerConfig {
  return {
    name,
    transport: { type: 'stdio', command, args, env: {} },
    enabled: true,
    source: source('claude-code', 'user', '/h/.claude.json', 3),
    ...extra,
  };
}

describe('serverHint', () => {
  it.each<[McpServerConfig['transport'], string]>([
    [
      {
        type: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
        env: {},
      },
      'npx server-filesystem',
    ],
    [
      { type: 'stdio', command: '/usr/bin/uvx', args: ['mcp-server-git@1.0'], env: {} },
      'uvx mcp-server-git@1.0',
    ],
    [{ type: 'stdio', command: 'node', args: ['--import', 'tsx', '/repo/src/main.ts'], env: {} }, 'node tsx'],
    [{ type: 'stdio', command: 'my-server', args: [], env: {} }, 'my-server'],
    [{ type: 'http', url: 'https://api.example.com/mcp', headers: {} }, 'http api.example.com'],
    [{ type: 'sse', url: 'not a url', headers: {} }, 'sse'],
  ])('%j -> %s', (transport, hint) => {
    expect(serverHint(transport)).toBe(hint);
  });
});

describe('catalogFrom', () => {
  it('keeps enabled servers with their summary, origin and what they shadow', () => {
    const winner = stdio('github', 'npx', ['@acme/github-mcp'], { description: '  GitHub  ' });
    const loser = stdio('github', 'docker', ['run'], {
      source: source('cursor', 'project', '/w/.cursor/mcp.json'),
    });
    const catalog = catalogFrom({
      servers: [
        winner,
        stdio('off', 'x', [], { enabled: false }),
        stdio('files', 'npx', ['server-filesystem']),
      ],
      shadowed: [{ server: loser, shadowedBy: winner.source }],
    });
    expect(catalog).toEqual([
      {
        name: 'github',
        summary: 'GitHub',
        transport: 'stdio',
        source: { client: 'claude-code', scope: 'user', file: '/h/.claude.json', line: 3 },
        shadows: [{ client: 'cursor', scope: 'project', file: '/w/.cursor/mcp.json' }],
      },
      {
        name: 'files',
        summary: 'npx server-filesystem',
        transport: 'stdio',
        source: { client: 'claude-code', scope: 'user', file: '/h/.claude.json', line: 3 },
        shadows: [],
      },
    ]);
  });
});
