import { describe, expect, it } from 'vitest';
import { isPinnedSpec, parseRunnerInvocation } from './package-runners.js';

describe('parseRunnerInvocation', () => {
  it.each([
    [
      'npx',
      ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
      'npx',
      ['@modelcontextprotocol/server-filesystem'],
      '-y',
    ],
    ['npx', ['--yes', '--package', 'pkg@1.0.0', 'pkg-bin'], 'npx', ['pkg@1.0.0'], '--yes'],
    ['npx', ['--package=a@1.2.3', '--', 'a'], 'npx', ['a@1.2.3'], undefined],
    ['npm', ['exec', '-y', 'tool'], 'npm exec', ['tool'], '-y'],
    ['C:\\nodejs\\npx.cmd', ['tool@2.0.0'], 'npx', ['tool@2.0.0'], undefined],
    ['bunx', ['my-mcp'], 'bunx', ['my-mcp'], undefined],
    ['bun', ['x', 'my-mcp'], 'bun x', ['my-mcp'], undefined],
    ['pnpm', ['dlx', 'create-thing'], 'pnpm dlx', ['create-thing'], undefined],
    ['yarn', ['dlx', '-p', 'pkg', 'bin'], 'yarn dlx', ['pkg'], undefined],
    ['uvx', ['mcp-server-fetch'], 'uvx', ['mcp-server-fetch'], undefined],
    [
      'uvx',
      ['--python', '3.12', '--from', 'mcp-server-git==1.0.0', 'mcp-server-git'],
      'uvx',
      ['mcp-server-git==1.0.0'],
      undefined,
    ],
    ['uv', ['tool', 'run', 'ruff'], 'uv tool run', ['ruff'], undefined],
    ['pipx', ['run', '--spec', 'black==24.1.0', 'black'], 'pipx run', ['black==24.1.0'], undefined],
  ])('%s %j', (command, args, runner, packages, flag) => {
    const result = parseRunnerInvocation(command, args);
    expect(result).toMatchObject({ runner, packages });
    expect(result?.autoInstallFlag).toBe(flag);
  });

  it('ignores commands that are not package runners', () => {
    expect(parseRunnerInvocation('node', ['server.js'])).toBeUndefined();
    expect(parseRunnerInvocation('npm', ['run', 'start'])).toBeUndefined();
    expect(parseRunnerInvocation('uv', ['run', 'server.py'])).toBeUndefined();
  });
});

describe('isPinnedSpec', () => {
  it.each([
    ['@modelcontextprotocol/server-memory@2026.8.31', 'npm', true],
    ['pkg@1.2.3', 'npm', true],
    ['pkg@1.2.3-beta.1', 'npm', true],
    ['pkg', 'npm', false],
    ['@scope/pkg', 'npm', false],
    ['pkg@latest', 'npm', false],
    ['pkg@^1.2.0', 'npm', false],
    ['./local-dir', 'npm', true],
    ['https://example.com/pkg.tgz', 'npm', true],
    ['mcp-server-fetch==2025.1.17', 'python', true],
    ['mcp-server-fetch@2025.1.17', 'python', true],
    ['mcp-server-fetch', 'python', false],
    ['mcp-server-fetch>=1.0', 'python', false],
    ['mcp-server-fetch@latest', 'python', false],
    ['git+https://github.com/org/repo', 'python', true],
  ] as const)('%s (%s) -> %s', (spec, ecosystem, pinned) => {
    expect(isPinnedSpec(spec, ecosystem)).toBe(pinned);
  });
});
