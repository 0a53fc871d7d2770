import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect, test } from 'vitest';
import { eventually, poolFixture, processTable, survivors, testServer, textOf } from './helpers.js';

const pools = poolFixture({ afterEach, afterAll });
const LONG = 120_000;
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

type PidInfo = { pid: number; childPid: number | null };

test(
  'close() ends the server and its grandchild, which ignores stdin closing',
  async () => {
    const pool = pools.open({ servers: [testServer('t', 'spawn-child')] });
    const { pid, childPid } = (await pool.callTool('t', 'pid')).structuredContent as PidInfo;
    expect(childPid).toBeGreaterThan(0);
    // The grandchild is in the server's process group, which the server leads.
    expect(survivors({ groups: [pid] }).map((row) => row.pid)).toEqual(
      expect.arrayContaining([pid, childPid]),
    );
    await pool.close();
    const left = await eventually(
      () => survivors({ groups: [pid], pids: [pid, childPid!] }),
      (rows) => rows.length === 0,
      3000,
    );
    expect(left).toEqual([]);
  },
  LONG,
);

test(
  'a crashed server leaves no grandchild behind',
  async () => {
    const pool = pools.open({ servers: [testServer('t', 'spawn-child')], restart: { backoffMs: 10 } });
    const { pid, childPid } = (await pool.callTool('t', 'pid')).structuredContent as PidInfo;
    await pool.callTool('t', 'crash').catch(() => {});
    const left = await eventually(
      () => survivors({ groups: [pid], pids: [childPid!] }),
      (rows) => rows.length === 0,
      5000,
    );
    expect(left).toEqual([]);
  },
  LONG,
);

test(
  'a server launched through npx (npm, sh, node) is ended as a whole tree',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codexec-pool-npx-'));
    try {
      await writeFile(join(dir, 'hello.txt'), 'hello from the pool\n');
      const pool = pools.open({
        servers: [
          {
            name: 'files',
            transport: {
              type: 'stdio',
              command: 'npx',
              // --no: never download; the bin comes from this package's node_modules.
              args: ['--no', '--', 'mcp-server-filesystem', dir],
              env: { npm_config_update_notifier: 'false', npm_config_fund: 'false' },
              cwd: PACKAGE_DIR,
            },
          },
        ],
      });
      const listing = await pool.callTool('files', 'list_directory', { path: dir });
      expect(textOf(listing)).toContain('[FILE] hello.txt');
      const pid = pool.status()[0]!.pid!;
      const tree = survivors({ groups: [pid] });
      expect(tree.length).toBeGreaterThanOrEqual(2);
      expect(tree.some((row) => row.args.includes('server-filesystem'))).toBe(true);
      await pool.close();
      const left = await eventually(
        () => survivors({ groups: [pid] }),
        (rows) => rows.length === 0,
        3000,
      );
      expect(left).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  LONG,
);

test('processTable reads this very process', () => {
  expect(processTable().some((row) => row.pid === process.pid)).toBe(true);
});
