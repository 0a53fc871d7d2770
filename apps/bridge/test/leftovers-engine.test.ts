import { execFile, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import {
  createDockerRuntime,
  createPodmanRuntime,
  LABEL_INSTANCE,
  LABEL_MANAGED,
} from '@codexec/container-runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { bridgeInstanceId, claimInstance, reapLeftovers } from '../src/leftovers.js';
import { createLineLogger } from '../src/logger.js';
import { containersWithLabel, type Engine, engineStatus, LONG, shouldSkip, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);
const logger = createLineLogger({ level: 'silent', write: () => {} });

/** The pid of a process that has ended (a short-lived child, waited for). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

// A bridge removes, when its engine is first used, the containers of bridges of this host that died: a process that
// is gone, and an earlier life of its own pid (a bridge restarted in a container is often pid 1 again). Real
// containers, labelled the way bridges label theirs, on a real engine.
for (const engine of ['podman', 'docker'] as Engine[]) {
  const skip = shouldSkip(await engineStatus(engine));
  describe.skipIf(skip)(`a bridge reaps what dead bridges left, on ${engine}`, { timeout: LONG }, () => {
    const tag = `leftover-test-${process.pid}-${engine}`;
    afterAll(async () => {
      const left = await containersWithLabel(engine, `codexec.test=${tag}`);
      const now = engine === 'podman' ? ['--time', '0'] : [];
      if (left.length) await run(engine, ['rm', '--force', ...now, ...left]).catch(() => {});
    }, LONG);

    it('removes the containers of dead processes and of this pid’s earlier life, and keeps the rest', async () => {
      const host = hostname();
      const gone = await deadPid();
      const instances = {
        earlierLife: bridgeInstanceId(host, process.pid, 'old'),
        ownLive: claimInstance(bridgeInstanceId(host, process.pid, 'live')),
        deadProcess: bridgeInstanceId(host, gone, 'dead'),
        liveProcess: bridgeInstanceId(host, 1, 'init'),
        otherHost: bridgeInstanceId(`not-${host}`, gone, 'far'),
      };
      await Promise.all(
        Object.values(instances).map((instance) =>
          run(engine, [
            'run',
            '--detach',
            '--label',
            `${LABEL_MANAGED}=true`,
            '--label',
            `${LABEL_INSTANCE}=${instance}`,
            '--label',
            `codexec.test=${tag}`,
            // Explicit rlimits: an engine's defaults may be above the host's hard limits.
            '--ulimit',
            'nofile=1024:1024',
            '--ulimit',
            'nproc=512:512',
            '--network',
            'none',
            TEST_IMAGE,
            'sleep',
            '300',
          ]),
        ),
      );
      const runtime = engine === 'podman' ? createPodmanRuntime() : createDockerRuntime();
      await reapLeftovers(runtime, { logger });
      const left = async (instance: string) =>
        (await containersWithLabel(engine, `${LABEL_INSTANCE}=${instance}`)).length;
      expect(await left(instances.earlierLife)).toBe(0);
      expect(await left(instances.deadProcess)).toBe(0);
      expect(await left(instances.ownLive)).toBe(1);
      expect(await left(instances.liveProcess)).toBe(1);
      expect(await left(instances.otherHost)).toBe(1);
    });
  });
}
