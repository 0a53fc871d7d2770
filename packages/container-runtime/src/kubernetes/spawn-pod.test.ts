import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { ContainerSpec } from '../runtime.js';
import { DEFAULT_LIMITS } from '../settings.js';
import type { KubeClient, WatchPodOptions } from './kube-client.js';
import type { PodView, WatchEvent } from './pod-status.js';
import { spawnPod } from './spawn-pod.js';

// How a pod's start is followed, against a scripted client: the watch's events, and the reads where it gives up.

const IMAGE = 'python:3.12-slim';
const done = (exitCode: number): PodView => ({
  status: {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [{ name: 'sandbox', state: { terminated: { exitCode } } }],
  },
});

/** A client whose watch plays `watch`, whose reads return `reads` in turn, and that records the calls. */
function scripted(watch: (options: WatchPodOptions) => Promise<void>, reads: PodView[] = []) {
  const calls: string[] = [];
  const deleted = new Set<string>();
  const client = {
    server: 'https://10.0.0.1:6443',
    namespace: 'ns1',
    context: 'c',
    async createPod() {
      calls.push('create');
      return { metadata: { name: 'p', resourceVersion: '41' } };
    },
    async watchPod(_name: string, options: WatchPodOptions) {
      calls.push(`watch from ${options.resourceVersion}`);
      return watch(options);
    },
    async readPod(name: string) {
      calls.push('read');
      // Gone once deleted, as `stop()` waits to see; the last of `reads` holds from then on.
      if (deleted.has(name)) return undefined;
      return (reads.length > 1 ? reads.shift() : reads[0]) ?? done(0);
    },
    async deletePod(name: string) {
      calls.push('delete');
      deleted.add(name);
      return true;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

let count = 0;
function start(client: KubeClient, startTimeoutMs = 10_000) {
  count += 1;
  const spec: ContainerSpec = {
    image: IMAGE,
    name: `codexec-unit-${count}`,
    labels: {},
    command: ['true'],
    limits: { ...DEFAULT_LIMITS },
  };
  return spawnPod({
    client: async () => client,
    spec,
    podOptions: {},
    timeouts: { startTimeoutMs, commandTimeoutMs: 5000, stopTimeoutMs: 1000 },
    logger: silentLogger,
    signal: undefined,
  });
}

const events =
  (...list: WatchEvent[]) =>
  async (options: WatchPodOptions): Promise<void> => {
    for (const event of list) options.onEvent(event);
    // The stream stays open until the adapter lets go of it.
    await new Promise<void>((_, reject) => {
      if (options.signal?.aborted) reject(options.signal.reason);
      options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
    });
  };

describe('spawnPod: the start of a pod', () => {
  it('follows the watch from the create’s resourceVersion, reading the pod not at all', async () => {
    const { client, calls } = scripted(
      events(
        { type: 'MODIFIED', object: { status: { phase: 'Pending' } } },
        { type: 'MODIFIED', object: done(3) },
      ),
    );
    expect(await start(client).exited).toEqual({ code: 3, signal: null });
    expect(calls).toEqual(['create', 'watch from 41', 'delete']);
  });

  it('polls where the watch ends with an ERROR event (a 410 Gone)', async () => {
    const gone = {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 41 (50)',
    };
    const { client, calls } = scripted(events({ type: 'ERROR', object: gone }), [done(4)]);
    expect(await start(client).exited).toEqual({ code: 4, signal: null });
    expect(calls).toEqual(['create', 'watch from 41', 'read', 'delete']);
  });

  it('polls where the server ends the watch before the pod ran', async () => {
    const { client, calls } = scripted(async () => {}, [done(0)]);
    expect(await start(client).exited).toEqual({ code: 0, signal: null });
    expect(calls).toEqual(['create', 'watch from 41', 'read', 'delete']);
  });

  it('after a refused watch (403), polls, and polls the next pods without asking again', async () => {
    const forbidden = Object.assign(new Error('Forbidden'), { cause: { statusCode: 403 } });
    const { client, calls } = scripted(() => Promise.reject(forbidden), [done(0)]);
    expect(await start(client).exited).toEqual({ code: 0, signal: null });
    expect(await start(client).exited).toEqual({ code: 0, signal: null });
    expect(calls).toEqual(['create', 'watch from 41', 'read', 'delete', 'create', 'read', 'delete']);
  });

  it('a pod still pending when the start timeout passes is read once more, then timed out', async () => {
    const pending = { status: { phase: 'Pending' } };
    const { client, calls } = scripted(events({ type: 'ADDED', object: pending }), [pending]);
    const exit = await start(client, 200).exited;
    expect(exit.error?.code).toBe('CONTAINER_START_FAILED');
    expect(exit.error?.message).toContain('still pending after 0.2 s');
    expect(calls.slice(0, 3)).toEqual(['create', 'watch from 41', 'read']);
    expect(calls.at(-1)).toBe('delete');
  });

  it('stop() while watching ends the watch and the spawn', async () => {
    let closed = false;
    const { client } = scripted(async (options) => {
      await new Promise<void>((_, reject) => {
        options.signal?.addEventListener(
          'abort',
          () => {
            closed = true;
            reject(options.signal?.reason);
          },
          { once: true },
        );
      });
    });
    const container = start(client);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await container.stop();
    expect(await container.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(closed).toBe(true);
  });
});
