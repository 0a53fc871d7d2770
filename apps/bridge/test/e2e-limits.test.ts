import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectStdio,
  containersWithLabel,
  createFixture,
  distStatus,
  type Engine,
  engineCommand,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  structuredOf,
  until,
} from './harness.js';

const run = promisify(execFile);

// The container limits a user sets reach the container: read back from the engine (inspect) while code runs, and
// from the kernel inside it.

const LIMITS = {
  MCP_BRIDGE_MEMORY: '300m',
  MCP_BRIDGE_PIDS: '77',
  MCP_BRIDGE_CPUS: '1.5',
  MCP_BRIDGE_NOFILE: '2048',
  MCP_BRIDGE_TMP_SIZE: '32m',
};
const MIB = 1024 * 1024;

const READ_LIMITS = `
import os, resource, time
def read(path):
    try:
        return open(path).read().strip()
    except OSError:
        return None
stats = os.statvfs('/tmp')
print({
    'memory': read('/sys/fs/cgroup/memory/memory.limit_in_bytes') or read('/sys/fs/cgroup/memory.max'),
    'pids': read('/sys/fs/cgroup/pids/pids.max') or read('/sys/fs/cgroup/pids.max'),
    'nofile': resource.getrlimit(resource.RLIMIT_NOFILE)[1],
    'tmp': stats.f_blocks * stats.f_frsize,
}, flush=True)
time.sleep(60)
`;

for (const engine of ['podman', 'docker'] as Engine[]) {
  const skip = shouldSkip(distStatus(), await engineStatus(engine));
  describe.skipIf(skip)(`the limit settings reach the container, on ${engine}`, { timeout: LONG }, () => {
    let fixture: Fixture;
    let session: StdioSession;
    beforeAll(async () => {
      fixture = await createFixture();
      session = await connectStdio(fixture, engine, {
        env: { ...LIMITS, MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_SESSION: 'fresh' },
      });
    }, LONG);
    afterAll(async () => {
      await session?.close();
      await fixture?.cleanup();
    }, LONG);

    it('as the engine reports them (inspect of the running container)', async () => {
      const label = await session.instanceLabel();
      const controller = new AbortController();
      const running = session.client.callTool(
        { name: 'run_python', arguments: { code: READ_LIMITS, timeout: 90 } },
        undefined,
        {
          timeout: LONG,
          signal: controller.signal,
        },
      );
      running.catch(() => {});
      const [name] = await until('the run container', async () => {
        const names = await containersWithLabel(engine, label);
        return names.length ? names : undefined;
      });
      const { stdout } = await run(engineCommand(engine), [
        'inspect',
        '--format',
        '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}',
        name!,
      ]);
      const [memory, swap, pids, nanoCpus] = stdout.trim().split(' ').map(Number);
      expect({ memory, swap, pids }).toEqual({ memory: 300 * MIB, swap: 300 * MIB, pids: 77 });
      // podman shows the quota as NanoCpus only for some versions; docker always does.
      if (nanoCpus) expect(nanoCpus).toBe(1.5e9);
      controller.abort('seen enough');
      await expect(running).rejects.toThrow();
    });

    it('the code sees them from inside', async () => {
      const result = await session.client.callTool(
        { name: 'run_python', arguments: { code: READ_LIMITS.replace('time.sleep(60)', ''), timeout: 60 } },
        undefined,
        { timeout: LONG },
      );
      const line = (structuredOf(result).stdout as string[])[0]!;
      expect(line).toContain(`'memory': '${300 * MIB}'`);
      expect(line).toContain("'pids': '77'");
      expect(line).toContain("'nofile': 2048");
      expect(line).toContain(`'tmp': ${32 * MIB}`);
    });
  });
}
