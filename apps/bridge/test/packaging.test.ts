import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI, engineStatus, LONG, TEST_IMAGE } from './harness.js';

// The published tarballs work: every package is packed as `pnpm publish` would pack it, the bridge and its
// workspace dependencies are installed from those tarballs into an empty directory (third-party dependencies from
// the registry, preferring the local cache), and the installed `code-exec-bridge` is run. This catches a missing
// `files` entry, a wrong `bin`, or a dependency on a workspace-only path.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = [
  'packages/frame-protocol',
  'packages/toon-output',
  'packages/config-discovery',
  'packages/upstream-pool',
  'packages/container-runtime',
  'packages/sandbox',
  'apps/bridge',
];

const missing = PACKAGES.filter((p) => !existsSync(join(ROOT, p, 'dist')));
const skip = missing.length > 0 && !CI;
if (skip)
  console.warn(`\n*** SKIPPING the packaging test: no dist in ${missing.join(', ')}; build first ***\n`);
const podman = await engineStatus('podman');

describe.skipIf(skip)('the packed bridge, installed from tarballs', { timeout: 600_000 }, () => {
  let work: string;
  let bin: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'codexec-pack-'));
    const tarballs = join(work, 'tarballs');
    for (const folder of PACKAGES) {
      await run('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(ROOT, folder),
        timeout: 120_000,
      });
    }
    const files = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz'));
    expect(files).toHaveLength(PACKAGES.length);
    const app = join(work, 'app');
    await run('mkdir', ['-p', app]);
    await writeFile(join(app, 'package.json'), '{ "name": "pack-check", "private": true }\n');
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...files.map((f) => join(tarballs, f)),
      ],
      { cwd: app, timeout: 540_000 },
    );
    bin = join(app, 'node_modules', '.bin', 'code-exec-bridge');
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs a working code-exec-bridge bin', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'apps/bridge/package.json'), 'utf8')) as {
      version: string;
    };
    const { stdout } = await run(bin, ['--version'], { timeout: 60_000 });
    expect(stdout).toBe(`${manifest.version}\n`);
  });

  it('ships only what the bridge needs', async () => {
    const installed = join(work, 'app', 'node_modules', '@codexec', 'code-exec-bridge');
    const entries = await readdir(installed);
    // python/: the sandbox's runtime, beside the command that has the sandbox bundled in; docs/: the README's image.
    expect(entries.sort()).toEqual(['README.md', 'dist', 'docs', 'package.json', 'python'].sort());
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      expect(range, name).not.toMatch(/^(workspace|catalog):/);
    }
  });

  it(
    'serves MCP over stdio from the installed copy',
    async () => {
      const home = join(work, 'home');
      await run('mkdir', ['-p', home]);
      const transport = new StdioClientTransport({
        command: bin,
        args: ['--home', home, '--cwd', home],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          MCP_BRIDGE_IMAGE: TEST_IMAGE,
          MCP_BRIDGE_RUNTIME: 'podman',
        },
        stderr: 'ignore',
      });
      const client = new Client({ name: 'pack-check', version: '0' });
      await client.connect(transport);
      try {
        expect(client.getServerVersion()?.name).toBe('code-exec-bridge');
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(['run_python']);
        if (!podman.ok && !CI) {
          console.warn(`\n*** packaging test: no run_python from the installed copy: ${podman.reason} ***\n`);
          return;
        }
        const result = await client.callTool(
          { name: 'run_python', arguments: { code: 'print(6 * 7)' } },
          undefined,
          {
            timeout: LONG,
          },
        );
        expect(result.structuredContent).toMatchObject({ status: 'success', stdout: ['42'] });
      } finally {
        await client.close();
      }
    },
    LONG,
  );
});
