import { describe, expect, it } from 'vitest';
import { isTruthy, selfReferenceReason } from './self-reference.js';
import type { McpServerConfig } from './server.js';

function stdio(name: string, command: string, args: string[] = []): McpServerConfig {
  return {
    name,
    transport: { type: 'stdio', command, args, env: {} },
    enabled: true,
    source: { client: 'x', scope: 'user', file: '/f', path: [] },
  };
}

describe('selfReferenceReason', () => {
  it.each([
    ['by name', stdio('code-exec-bridge', 'node')],
    ['by the original name with underscores', stdio('mcp_server_code_execution_mode', 'uv')],
    ['by npx package', stdio('b', 'npx', ['-y', '@codexec/code-exec-bridge@1.0.0'])],
    ['by bin', stdio('b', '/usr/local/bin/code-exec-bridge')],
    ['by Windows bin', stdio('b', 'C:\\tools\\code-exec-bridge.cmd')],
    ['by the original script', stdio('b', 'uv', ['run', 'python', '/opt/mcp_server_code_execution_mode.py'])],
    ['by the original uvx package', stdio('b', 'uvx', ['mcp-server-code-execution-mode'])],
  ])('catches an entry %s', (_, server) => {
    expect(selfReferenceReason(server)).toBeDefined();
  });

  it.each([
    ['a lookalike name', stdio('code-exec-bridge-notes', 'node', ['notes.js'])],
    ['another package', stdio('fs', 'npx', ['-y', '@modelcontextprotocol/server-filesystem'])],
    [
      'a remote server',
      {
        ...stdio('r', 'x'),
        transport: { type: 'http', url: 'https://code-exec-bridge.example', headers: {} },
      } as McpServerConfig,
    ],
  ])('leaves %s alone', (_, server) => {
    expect(selfReferenceReason(server)).toBeUndefined();
  });
});

describe('isTruthy', () => {
  it.each([
    ['1', true],
    ['TRUE', true],
    [' yes ', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['', false],
    [undefined, false],
  ])('%s -> %s', (value, expected) => expect(isTruthy(value)).toBe(expected));
});
