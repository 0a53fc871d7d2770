// Run latency through a remote engine against the local one, in the same run, interleaved: podman as a client of a
// second podman API service with storage of its own (CONTAINER_HOST) against podman itself, and the docker CLI
// talking to its daemon over loopback TCP (DOCKER_HOST) against the same daemon on its socket. Both are the remote
// engines scripts/provision-engines.sh sets up on one machine, so the figures are what the API hop costs, without a
// network. Remote runs take the engine's stdio, local podman the direct channel, as the bridge picks by itself.
import { setTimeout as delay } from 'node:timers/promises';
import { REMOTE_DOCKER_HOST, REMOTE_PODMAN_URL } from '@codexec/test-support';
import { BridgeSession, createFixture } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import type { BenchContext, Row } from '../lib/report.js';
import { againstLocal, alternate } from '../lib/side-by-side.js';
import { timedRun } from './run-times.js';

const REMOTE_ENV: Record<Engine, Record<string, string>> = {
  podman: { CONTAINER_HOST: REMOTE_PODMAN_URL },
  docker: { DOCKER_HOST: REMOTE_DOCKER_HOST },
};
/** Time for a pool of two to refill after a run, the same on both sides. */
const REFILL_MS = 2500;

export async function remoteRuns(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const rounds = ctx.quick ? 5 : 12;
  const fixture = await createFixture(() => ({}));
  const rows: Row[] = [];
  const where = engine === 'podman' ? REMOTE_PODMAN_URL : REMOTE_DOCKER_HOST;
  try {
    for (const poolSize of [0, 2]) {
      const local = await BridgeSession.start({ engine, fixture, poolSize });
      const remote = await BridgeSession.start({ engine, fixture, poolSize, env: REMOTE_ENV[engine] });
      try {
        // The first run of each finds the engine and creates its sandbox (and pool).
        await timedRun(local);
        await timedRun(remote);
        await delay(REFILL_MS);
        ctx.log(`${engine}: runs at ${where} against the local engine, pool ${poolSize}, ${rounds} rounds`);
        const m = await alternate(
          { local, subject: remote },
          { rounds, after: () => delay(poolSize ? REFILL_MS : 500) },
        );
        rows.push(
          againstLocal(
            {
              id: `remote-${poolSize ? 'warm' : 'cold'}-run/${engine}`,
              what: poolSize
                ? `warm run_python print(1) through ${engine} at ${where}, pool 2, spaced: against the local engine`
                : `cold run_python print(1) through ${engine} at ${where}, pool off: against the local engine`,
            },
            m,
          ),
        );
      } finally {
        await Promise.all([local.close(), remote.close()]);
      }
    }
  } finally {
    await fixture.cleanup();
  }
  return rows;
}
