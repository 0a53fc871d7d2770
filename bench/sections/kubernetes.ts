// Run latency through the Kubernetes adapter (MCP_BRIDGE_RUNTIME=kubernetes, a pod per container) against the local
// podman engine, in the same run, interleaved, with the same image, limits and settings otherwise. No cluster runs
// here: the bridge's KUBECONFIG points at @codexec/kube-stand-in, a stand-in of the API server started in this
// process, which runs each pod with the same local podman. So the figures are what the adapter adds (the API calls,
// watching the pod until it is Running, the attach over a WebSocket) and the stand-in's own work in place of a node,
// not a real cluster's scheduling, image pulls or network. Both sides are timed until the result. The local bridge
// takes podman's direct channel, the pods their attach, as each bridge picks by itself.
import * as diagnostics from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type KubeStandIn, startKubeStandIn } from '@codexec/kube-stand-in';
import { BridgeSession, createFixture, type Fixture } from '../lib/bridge.js';
import { settle } from '../lib/engines.js';
import { sleep } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { againstLocal, alternate, type Side } from '../lib/side-by-side.js';
import { fmt, type Summary, summarize } from '../lib/stats.js';
import { timedRun } from './run-times.js';

const NAMESPACE = 'codexec-bench';
const POOL_SIZE = 2;
/**
 * Waited after a side's containers have settled (its pool refilled, or its last container removed), the same on both
 * sides: a pool pod is Running before the adapter has seen it (by its watch, or a poll where that is refused) and
 * attached to it.
 */
const SETTLED_PAUSE_MS = 1000;

const STAND_IN_NOTE =
  "No cluster: the pods run with this machine's podman through @codexec/kube-stand-in, a stand-in of the API " +
  "server, so these figures are the Kubernetes adapter's cost (API calls, watching each pod until Running, attach " +
  "over a WebSocket) and the stand-in's, not a real cluster's scheduling or image pulls.";

interface Pair {
  sessions: Record<Side, BridgeSession>;
  labels: Record<Side, string>;
}

/** The local podman bridge and the bridge on the stand-in, with the same settings; each has made its first run. */
async function startPair(
  fixture: Fixture,
  kubeEnv: Record<string, string>,
  options: { poolSize: number; env?: Record<string, string> },
): Promise<Pair> {
  const local = await BridgeSession.start({ engine: 'podman', fixture, ...options });
  // `engine: 'podman'` for the bench's own clean-up: the stand-in's pods are podman containers with the pods' labels.
  const subject = await BridgeSession.start({
    engine: 'podman',
    fixture,
    poolSize: options.poolSize,
    env: { ...options.env, ...kubeEnv },
  }).catch(async (error: unknown) => {
    await local.close();
    throw error;
  });
  const sessions = { local, subject };
  try {
    const labels = { local: await local.label(), subject: await subject.label() };
    // The first run of each finds the engine (or the cluster) and creates its sandbox (and pool).
    await timedRun(local);
    await timedRun(subject);
    return { sessions, labels };
  } catch (error) {
    await closePair(sessions);
    throw error;
  }
}

async function closePair(sessions: Record<Side, BridgeSession>): Promise<void> {
  await Promise.all([sessions.local.close(), sessions.subject.close()]);
}

/**
 * Waits until the containers of a bridge are `count` and running (for a bridge on the stand-in, until it lists
 * `count` pods of it too, none being deleted), then `pauseMs`. Throws when that does not come within a minute: the
 * next figure would not be the one named.
 */
async function untilSettled(
  standIn: KubeStandIn,
  {
    label,
    pods,
    count,
    pauseMs = SETTLED_PAUSE_MS,
  }: { label: string; pods: boolean; count: number; pauseMs?: number },
): Promise<void> {
  if (!(await settle('podman', label, count, { timeoutMs: 60_000 }))) {
    throw new Error(`the bridge with ${label} did not get to ${count} running container(s) within 60 s`);
  }
  if (pods) {
    const [key = '', value] = label.split('=');
    // For none, a pod being deleted still counts: the next cold run starts once the last one is gone.
    const listed = () =>
      standIn.pods().filter((pod) => pod.labels[key] === value && (count === 0 || !pod.terminating)).length;
    const deadline = Date.now() + 60_000;
    while (listed() !== count) {
      if (Date.now() > deadline)
        throw new Error(`the stand-in still lists ${listed()} pod(s) with ${label} after 60 s`);
      await sleep(20);
    }
  }
  await delay(pauseMs);
}

/** `untilSettled` for one side of a pair. */
const settleSide = (standIn: KubeStandIn, pair: Pair, count: number) => (side: Side) =>
  untilSettled(standIn, { label: pair.labels[side], pods: side === 'subject', count });

/**
 * One row of a pair of bridges timed side by side: both settled to `count` containers first, then `rounds` runs in
 * turns, each followed by `after` (by default: settling that side again). The pair is closed whatever happens.
 */
async function measurePair(
  standIn: KubeStandIn,
  fixture: Fixture,
  kubeEnv: Record<string, string>,
  options: {
    pair: { poolSize: number; env?: Record<string, string> };
    count: number;
    rounds: number;
    after?: (side: Side) => Promise<unknown>;
    log: () => void;
    row: Pick<Row, 'id' | 'what'>;
  },
): Promise<Row> {
  const pair = await startPair(fixture, kubeEnv, options.pair);
  try {
    const settleTo = settleSide(standIn, pair, options.count);
    await settleTo('local');
    await settleTo('subject');
    options.log();
    const m = await alternate(pair.sessions, { rounds: options.rounds, after: options.after ?? settleTo });
    return againstLocal({ ...options.row, note: STAND_IN_NOTE }, m);
  } finally {
    await closePair(pair.sessions);
  }
}

/** A read of a pod (`GET`) as it reached the stand-in: when, and whether the pod was Running (or past it) then. */
interface PodRead {
  at: number;
  running: boolean;
}

/** When requests for each pod reached the stand-in: its reads and its attach (the upgrade). */
interface PodRequests {
  reads: Map<string, PodRead[]>;
  attaches: Map<string, number>;
  stop(): void;
}

/**
 * Records the arrival of the stand-in's pod requests in this process, through Node's `http.server.request.start`
 * diagnostics channel (the stand-in exposes no hook of its own); an upgrade is not a request there, so the server it
 * names gets a listener for those.
 */
function watchPodRequests(standIn: KubeStandIn): PodRequests {
  const podPath = new RegExp(`^/api/v1/namespaces/${standIn.namespace}/pods/([^/?]+)(/attach)?(?:\\?|$)`);
  const reads = new Map<string, PodRead[]>();
  const attaches = new Map<string, number>();
  const servers = new Set<Server>();
  const onUpgrade = (request: IncomingMessage): void => {
    const match = podPath.exec(request.url ?? '');
    if (match?.[2] && !attaches.has(match[1]!)) attaches.set(match[1]!, Date.now());
  };
  const onRequest = (message: unknown): void => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    if (!servers.has(server)) {
      servers.add(server);
      server.prependListener('upgrade', onUpgrade);
    }
    const match = podPath.exec(request.url ?? '');
    if (request.method === 'GET' && match && !match[2]) {
      const name = match[1]!;
      const pod = standIn.pods().find((listed) => listed.name === name);
      const read = { at: Date.now(), running: pod !== undefined && pod.phase !== 'Pending' };
      reads.set(name, [...(reads.get(name) ?? []), read]);
    }
  };
  diagnostics.subscribe('http.server.request.start', onRequest);
  return {
    reads,
    attaches,
    stop: () => {
      diagnostics.unsubscribe('http.server.request.start', onRequest);
      for (const server of servers) server.off('upgrade', onUpgrade);
    },
  };
}

/**
 * Where a cold pod's time goes, apart from the measured rounds (the debug log and the sampling cost a little): the
 * bridge logs at debug level when its adapter's create was answered and when the attach opened; the stand-in's pod
 * list, sampled every few milliseconds in this process, says when the pod turned Running; `watchPodRequests` when
 * each read of the pod and the attach arrived.
 */
async function coldPhases(
  ctx: BenchContext,
  fixture: Fixture,
  standIn: KubeStandIn,
  kubeEnv: Record<string, string>,
  runs: number,
): Promise<Row> {
  const session = await BridgeSession.start({
    engine: 'podman',
    fixture,
    poolSize: 0,
    logLevel: 'debug',
    env: kubeEnv,
  });
  const requests = watchPodRequests(standIn);
  const runningAt = new Map<string, number>();
  const sampler = setInterval(() => {
    for (const pod of standIn.pods()) {
      if (pod.phase !== 'Pending' && !runningAt.has(pod.name)) runningAt.set(pod.name, Date.now());
    }
  }, 5);
  const phases = {
    toCreated: [] as number[],
    toRunning: [] as number[],
    pollWait: [] as number[],
    toAttach: [] as number[],
    handshake: [] as number[],
    toResult: [] as number[],
    readsBeforeRunning: [] as number[],
  };
  try {
    const label = await session.label();
    await timedRun(session);
    for (let i = 0; i < runs; i += 1) {
      await untilSettled(standIn, { label, pods: true, count: 0, pauseMs: 300 });
      const logFrom = session.log().length;
      const started = Date.now();
      const ms = await timedRun(session);
      const log = session.log().slice(logFrom);
      const created = /^(\S+) .*kubernetes: created pod (\S+)/m.exec(log);
      const attached = /^(\S+) .*kubernetes: attached to (\S+)/m.exec(log);
      const name = created?.[2] ?? '';
      const reads = requests.reads.get(name) ?? [];
      const attachAt = requests.attaches.get(name);
      // Watched, the adapter reads the pod not at all before its attach, which follows the event at once.
      const seen = reads.find((read) => read.running)?.at ?? attachAt;
      // The sampling may notice the change a few milliseconds after a read (or the watch) already did.
      const sampled = runningAt.get(name);
      const running = seen === undefined ? undefined : Math.min(sampled ?? seen, seen);
      if (!created || !attached || running === undefined || seen === undefined || attachAt === undefined) {
        throw new Error(
          `a debug-logged cold run left no trace of its pod's create, reads or attach:\n${log.slice(-1500)}`,
        );
      }
      const createdAt = Date.parse(created[1]!);
      phases.toCreated.push(createdAt - started);
      phases.toRunning.push(running - createdAt);
      phases.pollWait.push(seen - running);
      phases.toAttach.push(attachAt - seen);
      phases.handshake.push(Date.parse(attached[1]!) - attachAt);
      phases.toResult.push(started + ms - Date.parse(attached[1]!));
      phases.readsBeforeRunning.push(reads.filter((read) => read.at < seen && !read.running).length);
    }
  } finally {
    clearInterval(sampler);
    requests.stop();
    await session.close();
  }
  const m = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, summarize(v)])) as Record<
    keyof typeof phases,
    Summary
  >;
  const shown =
    `called → create answered ${fmt(m.toCreated.median)}, → Running in the stand-in ${fmt(m.toRunning.median)}, ` +
    `→ the adapter sees it (its watch, or its next read of the pod) ${fmt(m.pollWait.median)} (p95 ${fmt(m.pollWait.p95)}), ` +
    `→ attach request ${fmt(m.toAttach.median)}, → attach open ${fmt(m.handshake.median)}, ` +
    `→ result ${fmt(m.toResult.median)} ms; ${fmt(m.readsBeforeRunning.median, 0)} reads before Running`;
  ctx.log(`kubernetes: ${shown}`);
  return {
    id: 'kubernetes-cold-phases',
    what: `where a cold pod's run goes, ${runs} debug-logged runs of the bridge on the stand-in (the adapter watches the pod from its create; where the watch is refused it reads the pod at once, then 100 ms later and ×1.5 further apart each time, up to 500 ms)`,
    unit: 'ms',
    subject: m.pollWait,
    value: m.pollWait.median,
    shown,
    target: 'reported',
    note: STAND_IN_NOTE,
    extra: { phasesMs: phases },
  };
}

export async function kubernetesRuns(ctx: BenchContext): Promise<Row[]> {
  const rounds = ctx.quick ? 5 : 12;
  const fixture = await createFixture(() => ({}));
  const dir = await mkdtemp(join(tmpdir(), 'codexec-bench-kube-'));
  const standIn = await startKubeStandIn({ namespace: NAMESPACE });
  const rows: Row[] = [];
  try {
    const kubeconfig = join(dir, 'config');
    await standIn.writeKubeconfig(kubeconfig);
    const kubeEnv = { MCP_BRIDGE_RUNTIME: 'kubernetes', KUBECONFIG: kubeconfig };
    const where = `the API server stand-in at ${standIn.url}`;

    // (a) Cold: pool off, so every run starts its pod (its container); the next run waits until it is deleted.
    rows.push(
      await measurePair(standIn, fixture, kubeEnv, {
        pair: { poolSize: 0 },
        count: 0,
        rounds,
        log: () => ctx.log(`kubernetes: cold runs through ${where} against local podman, ${rounds} rounds`),
        row: {
          id: 'kubernetes-cold-run',
          what: 'cold run_python print(1) in a pod, pool off, through the Kubernetes adapter on the API server stand-in (pods run with local podman): against local podman',
        },
      }),
    );

    // (b) Warm: a pool of two pre-started pods (containers), refilled before each run.
    rows.push(
      await measurePair(standIn, fixture, kubeEnv, {
        pair: { poolSize: POOL_SIZE },
        count: POOL_SIZE,
        rounds,
        log: () =>
          ctx.log(`kubernetes: warm runs, pool ${POOL_SIZE}, spaced, against local podman, ${rounds} rounds`),
        row: {
          id: 'kubernetes-warm-run',
          what: `warm run_python print(1), pool of ${POOL_SIZE} pre-started pods, spaced (the pool refilled before each run): against the local podman pool`,
        },
      }),
    );

    // (c) Inside a session: runs after the first go to the session's own pod (container), already attached.
    const sessionRounds = ctx.quick ? 8 : 19;
    rows.push(
      await measurePair(standIn, fixture, kubeEnv, {
        pair: { poolSize: 1, env: { MCP_BRIDGE_SESSION: 'persistent' } },
        // The session's container and the pool's one.
        count: 2,
        rounds: sessionRounds,
        after: () => delay(50),
        log: () =>
          ctx.log(
            `kubernetes: runs inside a session against a local podman session, ${sessionRounds} rounds`,
          ),
        row: {
          id: 'kubernetes-session-run',
          what: `run_python print(1) inside a session: runs 2 to ${sessionRounds + 1} of one session in a pod (its attach, which the stand-in relays to \`podman run -i\`) against one in a local podman container (its direct channel)`,
        },
      }),
    );

    ctx.log('kubernetes: where a cold pod run goes');
    // A diagnosis: when it fails, the measured rows above still count.
    rows.push(
      await coldPhases(ctx, fixture, standIn, kubeEnv, ctx.quick ? 4 : 8).catch((error: unknown): Row => {
        const message = error instanceof Error ? error.message : String(error);
        ctx.log(`! kubernetes: the cold phases were not measured: ${message.split('\n')[0]}`);
        return {
          id: 'kubernetes-cold-phases',
          what: "where a cold pod's run goes",
          unit: 'ms',
          shown: `not measured: ${message}`,
        };
      }),
    );
  } finally {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
    await fixture.cleanup();
  }
  return rows;
}
