import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { McpServerConfig } from '@codexec/config-discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SelfIdentity, selfIdentity, selfServerReason } from './self-server.js';

// A checkout laid out as this repository is (a workspace root with apps/bridge in it), in a temporary directory:
// the detection compares real paths, so it is tested on real files, symlinks included.
let root: string;
let checkout: string;
let bridge: string;
let self: SelfIdentity;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'codexec-self-'));
  checkout = join(root, 'checkout');
  bridge = join(checkout, 'apps', 'bridge');
  await mkdir(join(bridge, 'dist'), { recursive: true });
  await writeFile(join(checkout, 'pnpm-workspace.yaml'), "packages: ['apps/*']\n");
  await writeFile(join(checkout, 'package.json'), '{"scripts":{"start":"node apps/bridge/dist/cli.js"}}\n');
  await writeFile(join(bridge, 'package.json'), '{"name":"@codexec/code-exec-bridge"}\n');
  await writeFile(join(bridge, 'dist', 'cli.js'), '#!/usr/bin/env node\n');
  await mkdir(join(root, 'elsewhere'));
  await mkdir(join(root, 'bin'));
  await symlink(join(bridge, 'dist', 'cli.js'), join(root, 'bin', 'my-bridge'));
  await symlink(checkout, join(root, 'link'));
  self = selfIdentity(pathToFileURL(join(bridge, 'dist', 'cli.js')).href);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function stdio(command: string, args: string[] = [], cwd?: string, name = 'entry'): McpServerConfig {
  return {
    name,
    transport: { type: 'stdio', command, args, env: {}, ...(cwd ? { cwd } : {}) },
    enabled: true,
    source: { client: 'claude-code', scope: 'project', file: '/x/.mcp.json', path: ['mcpServers', name] },
  } as McpServerConfig;
}

const reason = (server: McpServerConfig, cwd = join(root, 'elsewhere'), path = join(root, 'bin')) =>
  selfServerReason(server, self, { cwd, path });

describe('selfServerReason', () => {
  it('knows the package root and the workspace around it', () => {
    expect(self.packageRoot).toBe(bridge);
    expect(self.startDirs).toEqual([bridge, checkout]);
  });

  it('finds `node …/apps/bridge/dist/cli.js` by the file it runs, absolute, relative or through a symlink', () => {
    expect(reason(stdio('node', [join(bridge, 'dist', 'cli.js')]))).toMatch(/is this bridge's own file/);
    expect(reason(stdio('node', ['apps/bridge/dist/cli.js'], checkout))).toMatch(/is this bridge's own file/);
    expect(reason(stdio('node', [join(root, 'link', 'apps', 'bridge', 'dist', 'cli.js')]))).toMatch(
      /is this bridge's own file/,
    );
    expect(reason(stdio(join(bridge, 'dist', 'cli.js')))).toMatch(/is this bridge/);
  });

  it('finds the package by name, whatever runs it, and the bins by name', () => {
    expect(reason(stdio('npx', ['-y', '@codexec/code-exec-bridge@1.2.0']))).toBe(
      'its argument "@codexec/code-exec-bridge@1.2.0" starts this bridge',
    );
    expect(reason(stdio('pnpm', ['dlx', '@codexec/code-exec-bridge']))).toBeDefined();
    expect(reason(stdio('code-exec-bridge'))).toBe('its command "code-exec-bridge" starts this bridge');
    expect(reason(stdio('/usr/local/bin/code-exec-bridge.cmd'))).toBeDefined();
    expect(reason(stdio('uvx', ['mcp-server-code-execution-mode']))).toBeDefined();
    expect(reason(stdio('node', [], undefined, 'code-exec-bridge'))).toBe(
      'its name "code-exec-bridge" is this bridge\'s',
    );
  });

  it('finds a command on PATH that is this bridge under another name (a global install, a symlink)', () => {
    expect(reason(stdio('my-bridge'))).toMatch(
      /^its command "my-bridge" is this bridge \(.*dist\/cli\.js\)$/,
    );
    expect(reason(stdio('my-bridge'), join(root, 'elsewhere'), '/nonexistent')).toBeUndefined();
  });

  it('finds `npm --silent start` and its kin run in this checkout or in the package', () => {
    expect(reason(stdio('npm', ['--silent', 'start'], checkout))).toMatch(/runs `npm start` in .*checkout/);
    expect(reason(stdio('npm', ['--prefix', join(root, 'link'), 'start']))).toBeDefined();
    expect(reason(stdio('npm', [`--prefix=${checkout}`, 'start']))).toBeDefined();
    expect(reason(stdio('pnpm', ['-C', checkout, 'run', 'start']))).toBeDefined();
    expect(reason(stdio('npm', ['start'], bridge))).toBeDefined();
    expect(reason(stdio('npm', ['start'], undefined), checkout)).toBeDefined();
  });

  it('leaves everything else alone', () => {
    expect(reason(stdio('npm', ['start'], join(root, 'elsewhere')))).toBeUndefined();
    expect(reason(stdio('npm', ['--silent', 'run', 'build'], checkout))).toBeUndefined();
    expect(reason(stdio('node', ['server.js'], checkout))).toBeUndefined();
    expect(reason(stdio('npx', ['-y', '@modelcontextprotocol/server-everything']))).toBeUndefined();
    expect(reason(stdio('node', [join(checkout, 'tools', 'other.js')]))).toBeUndefined();
    const remote = {
      ...stdio('x'),
      transport: { type: 'http', url: 'https://example.test/mcp', headers: {} },
    } as McpServerConfig;
    expect(reason(remote)).toBeUndefined();
  });
});
