import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ON_CI, warnSkipped } from '@codexec/test-support';
import { CoreV1Api, KubeConfig, type V1Pod, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type Grant, type KubeStandIn, type KubeStandInOptions, startKubeStandIn } from '../src/index.js';
import { hardenedPod, IMAGE } from './pods.js';

// Watches of pods, through the official client's `Watch`, as the adapter opens them.
const NAMESPACE = 'code-exec';
const RUN = randomBytes(4).toString('hex');
const PODS_PATH = `/api/v1/namespaces/${NAMESPACE}/pods`;

function podmanMissing(): string | undefined {
  try {
    execFileSync('podman', ['image', 'exists', IMAGE], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `podman or the image ${IMAGE} is missing`;
  }
}
const missing = podmanMissing();
if (missing !== undefined && !ON_CI) warnSkipped('the stand-in watch tests', missing);

interface Seen {
  type: string;
  object: V1Pod & { code?: number; reason?: string };
}

/** A watch open through `Watch`: the events it got, and how it ended (`null` for a clean end). */
async function openWatch(kc: KubeConfig, query: Record<string, string | number>) {
  const events: Seen[] = [];
  let end!: (error: unknown) => void;
  const ended = new Promise<unknown>((resolve) => {
    end = resolve;
  });
  const listeners = new Set<() => void>();
  const controller = await new Watch(kc).watch(
    PODS_PATH,
    query,
    (type, object) => {
      events.push({ type, object });
      for (const listener of listeners) listener();
    },
    (error) => end(error),
  );
  /** Resolves with the events once `done` says they are enough; rejects after `timeoutMs`. */
  const until = (done: (events: Seen[]) => boolean, timeoutMs = 30_000): Promise<Seen[]> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!done(events)) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(events);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`not seen in time; events: ${JSON.stringify(events.map(summary))}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { events, ended, until, close: () => controller.abort() };
}

const summary = (event: Seen) =>
  `${event.type} ${event.object.metadata?.name} ${event.object.status?.phase} rv ${event.object.metadata?.resourceVersion}`;

const sleeper = (name: string, seconds: number, labels: Record<string, string> = {}) =>
  hardenedPod(name, ['python3', '-c', `import time; time.sleep(${seconds})`], {
    labels: { 'codexec.dev/test-run': RUN, ...labels },
  }) as V1Pod;

let standIn: KubeStandIn | undefined;
const watches: { close(): void }[] = [];

afterEach(async () => {
  for (const watch of watches.splice(0)) watch.close();
  await standIn?.close();
  standIn = undefined;
});

async function start(options: KubeStandInOptions = {}) {
  standIn = await startKubeStandIn({ namespace: NAMESPACE, ...options });
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(standIn.kubeconfig));
  return { kc, api: kc.makeApiClient(CoreV1Api), standIn };
}

async function watch(kc: KubeConfig, query: Record<string, string | number>) {
  const opened = await openWatch(kc, query);
  watches.push(opened);
  return opened;
}

describe.skipIf(missing !== undefined && !ON_CI)('watches of pods in the stand-in', () => {
  it('streams a pod from the resourceVersion of its create: running, done, deleted, each with a newer version', async () => {
    const { kc, api } = await start();
    const created = await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w1', 1) });
    const from = created.metadata?.resourceVersion ?? '';
    expect(from).toMatch(/^\d+$/);
    const seen = await watch(kc, { fieldSelector: 'metadata.name=w1', resourceVersion: from });
    await seen.until((events) => events.some((e) => e.object.status?.phase === 'Succeeded'));
    await api.deleteNamespacedPod({ namespace: NAMESPACE, name: 'w1' });
    const events = await seen.until((all) => all.some((e) => e.type === 'DELETED'));
    const phases = events.map((e) => `${e.type} ${e.object.status?.phase}`);
    expect(phases).toContain('MODIFIED Running');
    expect(phases).toContain('MODIFIED Succeeded');
    expect(phases.at(-1)).toMatch(/^DELETED /);
    expect(phases).not.toContain('ADDED Pending');
    const versions = events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect(versions[0]).toBeGreaterThan(Number(from));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    const list = await api.listNamespacedPod({ namespace: NAMESPACE });
    expect(Number(list.metadata?.resourceVersion)).toBe(versions.at(-1));
  });

  it('starts with the pods there are as ADDED when no resourceVersion is given, and keeps to the selectors', async () => {
    const { kc, api } = await start();
    await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w2', 30, { team: 'a' }) });
    await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w3', 30, { team: 'b' }) });
    const byLabel = await watch(kc, { labelSelector: 'team=b' });
    const byName = await watch(kc, { fieldSelector: 'metadata.name=w2' });
    const [added] = await byLabel.until((events) => events.length > 0);
    expect(added).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w3' } } });
    await byName.until((events) => events.some((e) => e.object.status?.phase === 'Running'));
    await byLabel.until((events) => events.some((e) => e.object.status?.phase === 'Running'));
    expect(byName.events.every((e) => e.object.metadata?.name === 'w2')).toBe(true);
    expect(byLabel.events.every((e) => e.object.metadata?.name === 'w3')).toBe(true);
    expect(byName.events[0]?.type).toBe('ADDED');
  });

  it('answers a resourceVersion older than its history with a 410 Gone ERROR event, and ends the stream', async () => {
    const { kc, api } = await start({ eventHistory: 2 });
    await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w4', 30) });
    await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w5', 30) });
    await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w6', 30) });
    await api.createNamespacedPod({ namespace: NAMESPACE, body: sleeper('w7', 30) });
    const seen = await watch(kc, { resourceVersion: '1' });
    expect(await seen.ended).toBeNull();
    expect(seen.events).toHaveLength(1);
    expect(seen.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });

  it('ends a watch after timeoutSeconds', async () => {
    const { kc } = await start();
    const startedAt = Date.now();
    const seen = await watch(kc, { timeoutSeconds: 1 });
    expect(await seen.ended).toBeNull();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('authorises a watch as the verb watch: refused with 403 when the grants lack it', async () => {
    const grants: Grant[] = [{ resource: 'pods', verbs: ['create', 'get', 'list', 'delete'] }];
    const { kc, standIn: server } = await start({ grants });
    const seen = await watch(kc, { fieldSelector: 'metadata.name=w8' });
    const error = (await seen.ended) as { statusCode?: number };
    expect(error.statusCode).toBe(403);
    expect(server.requests().at(-1)).toMatchObject({ verb: 'watch', resource: 'pods' });
  });
});
