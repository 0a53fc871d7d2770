import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ContainerRuntime, ContainerSpec } from '@codexec/container-runtime';
import { REMOTE_DOCKER_HOST, REMOTE_PODMAN_URL } from '@codexec/test-support';
import { afterEach, expect, it } from 'vitest';
import {
  createSandbox,
  type Logger,
  type RunResult,
  type Sandbox,
  type SandboxOptions,
} from '../src/index.js';
import { type EngineStatus, engineSuite, IMAGE, settledRunContainers } from './engines.js';

const exec = promisify(execFile);
const TEST_TIMEOUT = 240_000;
const MISSING_IMAGE = 'localhost/codexec-no-such-image:0';

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function hostOf(result: RunResult): string {
  return (result.value?.json as { host?: string } | undefined)?.host ?? '';
}

function expectSuccess(result: RunResult): void {
  expect(result.status, JSON.stringify(result.error)).toBe('success');
}

/** Waits until the pool holds `idle` started containers and starts nothing more. */
function full(sandbox: Sandbox, idle = sandbox.poolStatus().size): Promise<true> {
  return until(`${idle} warm containers`, () => {
    const status = sandbox.poolStatus();
    return status.idle === idle && status.starting === 0;
  }).catch((error: Error) => {
    // What the pool did instead says why.
    throw new Error(`${error.message}; the pool: ${JSON.stringify(sandbox.poolStatus())}`);
  });
}

/** Runs code that tells which container it ran in and what it found in /tmp, after leaving its own mark there. */
function identify(sandbox: Sandbox, mark: string): Promise<RunResult> {
  return sandbox.run({
    code: [
      'import os, socket, time',
      'found = sorted(os.listdir("/tmp"))',
      `open("/tmp/${mark}", "w").write("${mark}")`,
      'time.sleep(0.2)',
      `print("${mark}")`,
      '{"host": socket.gethostname(), "tmp_before": found}',
    ].join('\n'),
    timeoutMs: 120_000,
  });
}

/** A logger that keeps what it is told, for tests that check what the pool did with which container. */
function recordingLogger(): Logger & { lines: { message: string; fields?: Record<string, unknown> }[] } {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  const keep = (message: string, fields?: Record<string, unknown>): void => {
    lines.push(fields ? { message, fields } : { message });
  };
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

/**
 * The warm pool against one real engine: concurrency, isolation, dead containers, engine errors, idleness, shutdown.
 * `directChannel` picks how frames travel (both ways are tested on podman; docker has stdio only).
 */
export function definePoolSuite(
  engine: 'podman' | 'docker',
  status: EngineStatus,
  variant: { directChannel: boolean; remote?: boolean } = { directChannel: false },
): void {
  const { runtime } = status;
  const { directChannel } = variant;
  const kind = variant.remote ? 'remote ' : '';
  // The engine's own CLI, for what the runtime does not do (pause, a removal behind the pool's back), at the same
  // endpoint as the runtime.
  const remoteEnv =
    engine === 'podman' ? { CONTAINER_HOST: REMOTE_PODMAN_URL } : { DOCKER_HOST: REMOTE_DOCKER_HOST };
  const engineCli = (args: string[]) =>
    exec(engine, args, variant.remote ? { env: { ...process.env, ...remoteEnv } } : {});
  let serial = 0;
  const made: Sandbox[] = [];
  const make = (options: Partial<SandboxOptions> = {}): Sandbox => {
    serial += 1;
    const sandbox = createSandbox({
      runtime,
      image: IMAGE,
      instanceId: `test-pool-${kind ? 'remote-' : ''}${engine}${directChannel ? '-direct' : ''}-${process.pid}-${serial}`,
      directChannel,
      ...options,
    });
    made.push(sandbox);
    return sandbox;
  };

  const asked = directChannel
    ? variant.remote
      ? ' asking for the direct channel'
      : ' with the direct channel'
    : '';
  engineSuite(`warm pool on ${kind}${engine}${asked}`, status, () => {
    afterEach(async () => {
      for (const sandbox of made.splice(0)) {
        await sandbox.close();
        const left = await runtime.list(sandbox.labels);
        await runtime.reap(sandbox.labels);
        // close() leaves nothing: no pooled container, none being started, no finished run's container.
        expect(left.map((container) => container.name)).toEqual([]);
      }
    });

    it('serves more concurrent runs than it has slots, each in a fresh container of its own', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const sandbox = make({ pool: { size: 2 } });
      await full(sandbox);
      const results = await Promise.all(Array.from({ length: 7 }, (_, i) => identify(sandbox, `run-${i}`)));
      const hosts = new Set<string>();
      results.forEach((result, i) => {
        expectSuccess(result);
        expect(result.stdout).toBe(`run-${i}\n`);
        const value = result.value?.json as { host: string; tmp_before: string[] };
        // A fresh /tmp: no mark of another run, not even of one that ran in this sandbox before.
        expect(value.tmp_before).toEqual([]);
        hosts.add(value.host);
      });
      // Seven runs, seven containers: no container served two runs.
      expect(hosts.size).toBe(7);
      const status = sandbox.poolStatus();
      expect(status.served + status.cold).toBe(7);
      expect(status.served).toBeGreaterThanOrEqual(2);
      // It refills after the burst, and a later run is served from it.
      await full(sandbox);
      const later = await identify(sandbox, 'later');
      expectSuccess(later);
      expect(hosts.has(hostOf(later))).toBe(false);
      expect(sandbox.poolStatus().served).toBe(status.served + 1);
      expect(await settledRunContainers(runtime, sandbox)).toEqual([]);
    });

    it('a pooled container removed from outside is never handed out', { timeout: TEST_TIMEOUT }, async () => {
      const sandbox = make({ pool: { size: 1 } });
      await full(sandbox);
      const [victim] = sandbox.poolStatus().containers;
      await engineCli(['rm', '-f', ...(engine === 'podman' ? ['--time', '0'] : []), victim!]);
      const result = await identify(sandbox, 'after-rm');
      expectSuccess(result);
      expect(sandbox.poolStatus().discarded).toBe(1);
      expect(
        await runtime.list({ ...sandbox.labels, 'codexec.run': victim!.slice('codexec-'.length) }),
      ).toEqual([]);
    });

    it('a pooled container whose engine client was killed is never handed out, not even at once', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      // Every spawn is seen, to check which channel the containers took.
      const channels: boolean[] = [];
      const watched: ContainerRuntime = Object.create(runtime, {
        spawn: {
          value: (spec: ContainerSpec, options?: { signal?: AbortSignal }) => {
            channels.push(spec.channel === true);
            return runtime.spawn(spec, options);
          },
        },
      });
      const logger = recordingLogger();
      const sandbox = make({ runtime: watched, pool: { size: 1 }, logger });
      await full(sandbox);
      const [victim] = sandbox.poolStatus().containers;
      // The `run` client of that container (found by its unique name): over stdio killing it cuts the frame
      // channel; over the direct channel the container would go on answering on its socket.
      const { stdout } = await exec('pgrep', ['-f', '--', `--name ${victim}`]);
      const pids = stdout.split('\n').filter(Boolean).map(Number);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      // At once: the exit of the client has not reached the event loop yet.
      const result = await identify(sandbox, 'after-kill');
      expectSuccess(result);
      const handedOut = logger.lines
        .filter((line) => line.message === 'pool: container handed out')
        .map((line) => line.fields?.name);
      expect(handedOut).toHaveLength(1);
      expect(handedOut).not.toContain(victim);
      expect(sandbox.poolStatus()).toMatchObject({ discarded: 1, served: 1, cold: 0 });
      expect(new Set(channels)).toEqual(new Set([directChannel && runtime.passesDescriptors]));
      // The container the client left running is removed too, and so is the run's.
      await until(
        'the orphaned container to be removed',
        () => !sandbox.poolStatus().containers.includes(victim!),
      );
      const names = async () => (await runtime.list(sandbox.labels)).map((c) => c.name);
      expect(await names()).not.toContain(victim);
      expect(await settledRunContainers(runtime, sandbox)).toEqual([]);
    });

    it('a frozen container that does not answer its ping is not handed out', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const sandbox = make({ pool: { size: 1 } });
      await full(sandbox);
      const [victim] = sandbox.poolStatus().containers;
      // Paused: its client runs and its channel is open, but nothing inside answers.
      await engineCli(['pause', victim!]);
      const result = await identify(sandbox, 'after-pause');
      expectSuccess(result);
      expect(sandbox.poolStatus().discarded).toBe(1);
    });

    it('an engine error while refilling falls back to a cold start, then the pool recovers', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      // The engine itself refuses the pool's first starts (an image it does not have); runs start their own.
      let refusals = 2;
      const flaky: ContainerRuntime = Object.create(runtime, {
        spawn: {
          value: (spec: ContainerSpec, options?: { signal?: AbortSignal }) => {
            const image = refusals > 0 ? MISSING_IMAGE : spec.image;
            refusals -= 1;
            return runtime.spawn({ ...spec, image }, options);
          },
        },
      });
      const sandbox = make({ runtime: flaky, pool: { size: 2 } });
      await until('both warm starts to fail', () => sandbox.poolStatus().failedStarts >= 2);
      expect(sandbox.poolStatus().backoffMs).toBeGreaterThan(0);
      const result = await identify(sandbox, 'cold');
      expectSuccess(result);
      expect(sandbox.poolStatus()).toMatchObject({ cold: 1, served: 0 });
      // After the back-off the pool fills again and serves the next run.
      await full(sandbox, 2);
      const warm = await identify(sandbox, 'warm');
      expectSuccess(warm);
      expect(sandbox.poolStatus()).toMatchObject({ cold: 1, served: 1, failedStarts: 2 });
    });

    it("when every start fails, runs report the engine's error and nothing is pooled", {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const sandbox = make({
        runtime: Object.create(runtime, {
          spawn: {
            value: (spec: ContainerSpec, options?: { signal?: AbortSignal }) =>
              runtime.spawn({ ...spec, image: MISSING_IMAGE }, options),
          },
        }),
        pool: { size: 2 },
      });
      const result = await sandbox.run({ code: '1' });
      expect(result.status).toBe('error');
      expect(result.error?.message).toContain(MISSING_IMAGE);
      expect(sandbox.poolStatus().failedStarts).toBeGreaterThanOrEqual(1);
      expect(sandbox.poolStatus().idle).toBe(0);
    });

    it('retires containers idle longer than maxIdleMs and refills only when asked again', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const sandbox = make({ pool: { size: 2, maxIdleMs: 2000 } });
      await full(sandbox);
      await until('both containers to be retired', () => sandbox.poolStatus().retired === 2);
      await until('the engine to have removed them', () => sandbox.poolStatus().containers.length === 0);
      expect(await runtime.list(sandbox.labels)).toEqual([]);
      // An idle sandbox stays empty.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(sandbox.poolStatus()).toMatchObject({ idle: 0, starting: 0, retired: 2 });
      expect(await runtime.list(sandbox.labels)).toEqual([]);
      // The next run asks again: it is served by a start it waits for, and the pool starts refilling behind it
      // (what it starts may be retired again before it is used: maxIdleMs is short here).
      expectSuccess(await identify(sandbox, 'again'));
      expect(sandbox.poolStatus()).toMatchObject({ served: 1, cold: 0 });
      await until('the pool to refill', () => {
        const status = sandbox.poolStatus();
        return status.idle >= 1 || status.retired > 2;
      });
    });

    it('close() while containers are being started and while idle leaves nothing', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const starting = make({ pool: { size: 3, maxStarts: 3 } });
      await until('starts in progress', () => starting.poolStatus().starting === 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await starting.close();
      expect(await runtime.list(starting.labels)).toEqual([]);
      expect(starting.poolStatus().containers).toEqual([]);

      const idle = make({ pool: { size: 2 } });
      await full(idle);
      const running = idle.run({ code: 'import time\ntime.sleep(60)', timeoutMs: 120_000 });
      await until('the run to take a container', () => idle.poolStatus().served === 1);
      await idle.close();
      expect((await running).status).toBe('cancelled');
      expect(await runtime.list(idle.labels)).toEqual([]);
      await expect(idle.run({ code: '1' })).rejects.toMatchObject({ code: 'CLOSED' });
    });
  });
}
