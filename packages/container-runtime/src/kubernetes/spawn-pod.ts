import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { linkedSignal, onAbort, untilAborted } from '@codexec/internal';
import { abortedError, ContainerRuntimeError, isContainerRuntimeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ContainerExit, ContainerSpec, RunningContainer } from '../runtime.js';
import type { AttachSocket, KubeClient } from './kube-client.js';
import { buildPod, type KubernetesPodOptions, type Pod, type PodOwner } from './pod-spec.js';
import {
  type AttachStatus,
  type ClusterPlace,
  describeCluster,
  exitCodeFromStatus,
  type PodProgress,
  podProgress,
  podStartFailed,
  podStartTimedOut,
  watchedProgress,
} from './pod-status.js';

const FIRST_POLL_MS = 100;
const LAST_POLL_MS = 500;
// Clients whose server refused a watch of pods (no `watch` verb, no watch served): their spawns poll at once.
const watchRefusedBy = new WeakSet<KubeClient>();
/** How long to wait for the pod's final state when the attach closed without a Status. */
const FINAL_STATE_MS = 10_000;

export interface SpawnTimeouts {
  /** How long the pod may stay Pending. */
  startTimeoutMs: number;
  /** How long each API request may take. */
  commandTimeoutMs: number;
  /** How long `stop()` waits for the pod to be gone. */
  stopTimeoutMs: number;
}

export interface SpawnPodInput {
  client(): Promise<KubeClient>;
  spec: ContainerSpec;
  podOptions: Omit<KubernetesPodOptions, 'namespace'>;
  timeouts: SpawnTimeouts;
  logger: Logger;
  signal: AbortSignal | undefined;
  /** The pod that owns the new one, if any (looked up once by the runtime). */
  owner?: ((client: KubeClient) => Promise<PodOwner | undefined>) | undefined;
  /** Runs before the pod is created; its failure is the spawn's (`exited.error`), and no pod is made. */
  beforeCreate?: ((client: KubeClient, pod: Pod) => Promise<void>) | undefined;
}

/**
 * One pod through its life: created in the background, watched (or polled) until it runs, attached, and deleted
 * when the program has exited or `stop()` is called. Returns at once; every failure is in `exited`.
 */
export function spawnPod(input: SpawnPodInput): RunningContainer {
  const { spec, timeouts, logger } = input;
  const name = spec.name;
  // What is written before the attach stays here and is sent once it is open.
  const stdin = new PassThrough({ highWaterMark: 64 * 1024 });
  const stdout = new PassThrough({ highWaterMark: 64 * 1024 });
  const stderr = new PassThrough({ highWaterMark: 64 * 1024 });
  // Stops polling and the attach handshake when `stop()` is called.
  const lifecycle = new AbortController();

  let stopRequested = false;
  let creating: Promise<unknown> | undefined;
  let created = false;
  let socket: AttachSocket | undefined;
  let attachOpen = false;
  let place: ClusterPlace | undefined;
  let c: KubeClient | undefined;

  const run = async (): Promise<ContainerExit> => {
    c = await input.client();
    place = { server: c.server, namespace: c.namespace };
    const owner = await input.owner?.(c);
    const pod = buildPod(spec, { ...input.podOptions, namespace: c.namespace, owner });
    if (stopRequested) return { code: null, signal: null };
    await input.beforeCreate?.(c, pod);
    if (stopRequested) return { code: null, signal: null };
    // Not under `lifecycle`: a POST cut short may still create the pod, and `stop()` must know to delete it.
    const request = c.createPod(pod, { timeoutMs: timeouts.commandTimeoutMs });
    creating = request;
    const answer = await request;
    created = true;
    logger.debug(`kubernetes: created pod ${name} in ${c.namespace}`);
    if (stopRequested) return { code: null, signal: 'SIGKILL' };

    try {
      const started = await untilRunning(c, answer.metadata?.resourceVersion);
      if (started.kind === 'exited') {
        await deleteQuietly(c);
        return started.exit;
      }
      return await attachAndWait(c);
    } catch (error) {
      // Whatever went wrong after the create (a refused attach, the API server gone), no pod is left running.
      if (!stopRequested) await deleteQuietly(c);
      throw error;
    }
  };

  type Started = Exclude<PodProgress, { kind: 'pending' }>;
  /** What the waiting knows across a watch and the polling after it: when it began, the last pending reason. */
  interface Waiting {
    startedAt: number;
    at: ClusterPlace;
    state: { reason?: string | undefined };
  }

  /**
   * Waits for the pod to run, or to end before it could: by a watch from the create's resourceVersion, which sees
   * each change as it happens, and by polling where the watch is refused or ends before it could tell.
   */
  const untilRunning = async (cl: KubeClient, resourceVersion: string | undefined): Promise<Started> => {
    const waiting: Waiting = {
      startedAt: Date.now(),
      at: { server: cl.server, namespace: cl.namespace },
      state: {},
    };
    if (resourceVersion && !watchRefusedBy.has(cl)) {
      const watched = await watchUntilRunning(cl, resourceVersion, waiting);
      if (watched) return watched;
    }
    return pollUntilRunning(cl, waiting);
  };

  const timedOut = (at: ClusterPlace, reason: string | undefined): Started => ({
    kind: 'exited',
    exit: { code: null, signal: null, error: podStartTimedOut(name, at, timeouts.startTimeoutMs, reason) },
  });

  /** The pod's start as a watch tells it; undefined when the watch cannot tell (refused, ended early): poll then. */
  const watchUntilRunning = async (
    cl: KubeClient,
    resourceVersion: string,
    { startedAt, at, state }: Waiting,
  ): Promise<Started | undefined> => {
    const left = timeouts.startTimeoutMs - (Date.now() - startedAt);
    const watching = linkedSignal([lifecycle.signal]);
    let result: Started | { kind: 'poll'; why: string } | undefined;
    let expired = false;
    const timer = setTimeout(
      () => {
        expired = true;
        watching.abort(new Error('start timeout'));
      },
      Math.max(0, left),
    );
    try {
      await cl.watchPod(name, {
        resourceVersion,
        signal: watching.signal,
        timeoutMs: timeouts.commandTimeoutMs,
        timeoutSeconds: Math.ceil(Math.max(0, left) / 1000) + 1,
        onEvent: (event) => {
          const progress = watchedProgress(event, { ...at, name, image: spec.image });
          if (progress.kind === 'pending') {
            state.reason = progress.reason ?? state.reason;
            return;
          }
          result = progress;
          watching.abort(new Error('watch done'));
        },
      });
      result ??= { kind: 'poll', why: 'the server ended the watch before the pod ran' };
    } catch (error) {
      if (lifecycle.signal.aborted) throw abortedError(lifecycle.signal.reason);
      if (!result && !expired) {
        const status = (error as { cause?: { statusCode?: unknown } }).cause?.statusCode;
        // A refusal stays one for this user and server: later pods are polled without asking again.
        if (status === 403 || status === 400 || status === 405) watchRefusedBy.add(cl);
        result = { kind: 'poll', why: `the watch failed: ${String(error)}` };
      }
    } finally {
      clearTimeout(timer);
      watching.unlink();
    }
    if (result && result.kind !== 'poll') return result;
    // Past the start timeout, the poll's one read says whether the pod runs after all, or times the start out.
    if (expired) result = { kind: 'poll', why: 'the start timeout passed' };
    logger.debug(`kubernetes: polling pod ${name} instead of watching it`, { why: result?.why });
    return undefined;
  };

  const pollUntilRunning = async (cl: KubeClient, { startedAt, at, state }: Waiting): Promise<Started> => {
    let interval = FIRST_POLL_MS;
    for (;;) {
      let pod: Awaited<ReturnType<KubeClient['readPod']>>;
      try {
        pod = await cl.readPod(name, { signal: lifecycle.signal, timeoutMs: timeouts.commandTimeoutMs });
      } catch (error) {
        // A blip of the API server while the pod starts is waited out, within the start timeout.
        if (
          !isContainerRuntimeError(error, 'ENGINE_NOT_RESPONDING') ||
          Date.now() - startedAt > timeouts.startTimeoutMs
        )
          throw error;
        pod = { status: { phase: 'Pending' } };
      }
      if (!pod) {
        return {
          kind: 'exited',
          exit: {
            code: null,
            signal: null,
            error: podStartFailed(name, at, 'the pod was deleted before it was seen running'),
          },
        };
      }
      const progress = podProgress(pod, { ...at, image: spec.image });
      if (progress.kind !== 'pending') return progress;
      state.reason = progress.reason ?? state.reason;
      if (Date.now() - startedAt > timeouts.startTimeoutMs) return timedOut(at, state.reason);
      await delay(interval, undefined, { signal: lifecycle.signal });
      interval = Math.min(LAST_POLL_MS, interval * 1.5);
    }
  };

  const attachAndWait = async (cl: KubeClient): Promise<ContainerExit> => {
    let status: AttachStatus | undefined;
    let attachClosed = false;
    let closed!: () => void;
    const closedPromise = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const paused = new Set<PassThrough>();
    const feed = (stream: PassThrough, data: Buffer): void => {
      // Nothing is written after the end (a message still in flight when the socket was given up).
      if (stream.writableEnded) return;
      // Output can come in the same read as the socket's opening, before `attach` has returned: the attach is open
      // for whoever reads it.
      if (!attachClosed) attachOpen = true;
      if (stream.write(data) || paused.has(stream)) return;
      // Output waits in the server until the reader catches up, as a pipe would make the program wait.
      paused.add(stream);
      socket?.pause();
      stream.once('drain', () => {
        paused.delete(stream);
        if (paused.size === 0) socket?.resume();
      });
    };
    try {
      socket = await cl.attach(
        name,
        {
          onStdout: (data) => feed(stdout, data),
          onStderr: (data) => feed(stderr, data),
          onStatus: (value) => {
            status = value;
          },
          onClose: () => {
            attachClosed = true;
            attachOpen = false;
            closed();
          },
        },
        { signal: lifecycle.signal, timeoutMs: timeouts.commandTimeoutMs },
      );
    } catch (error) {
      if (stopRequested) throw error;
      // The program may have ended before the attach (the server says the pod is not running): its pod says how.
      const after = await finalExit(cl);
      if (after) {
        await deleteQuietly(cl);
        return after;
      }
      throw error;
    }
    attachOpen = !attachClosed;
    const open = socket;
    logger.debug(`kubernetes: attached to ${name} (${open.protocol})`);
    stdin.on('data', (chunk: Buffer) => open.sendStdin(chunk));
    stdin.once('end', () => {
      // v4 cannot close stdin alone: closing the socket would lose the program's output and exit status.
      if (!open.closeStdin())
        logger.debug(`kubernetes: ${open.protocol} cannot close the stdin of ${name} alone`);
    });
    await closedPromise;
    attachOpen = false;
    const code = status ? exitCodeFromStatus(status) : undefined;
    if (stopRequested) return { code: code ?? null, signal: code === undefined ? 'SIGKILL' : null };
    // A non-zero code in the Status is the program's own. `Success` is not trusted alone: a kubelet may end an
    // attach with `Success` whatever the program's exit, so the pod's terminated state is read first.
    const exit =
      code !== undefined && code !== 0
        ? { code, signal: null }
        : ((await finalExit(cl)) ?? (code === 0 ? { code, signal: null } : undefined));
    await deleteQuietly(cl);
    if (exit) return exit;
    return {
      code: null,
      signal: null,
      error: new ContainerRuntimeError(
        'COMMAND_FAILED',
        `The attach to pod ${name} on ${describeCluster(cl)} closed ` +
          `without the program's exit${status?.message ? ` (${status.message})` : ''}; the pod was deleted. Check the ` +
          'connection to the cluster.',
        { engine: 'kubernetes' },
      ),
    };
  };

  /**
   * The program's exit as the pod's status tells it, waiting a little for it to be written; undefined if it does
   * not say in time. A pod deleted by someone else (`reap`, `kubectl delete`) was killed, as `rm -f` kills a
   * container.
   */
  const finalExit = async (cl: KubeClient): Promise<ContainerExit | undefined> => {
    const deadline = Date.now() + FINAL_STATE_MS;
    const at = { server: cl.server, namespace: cl.namespace, image: spec.image };
    while (Date.now() < deadline) {
      let pod: Awaited<ReturnType<KubeClient['readPod']>> | null;
      try {
        pod = await cl.readPod(name, { timeoutMs: Math.max(1000, deadline - Date.now()) });
      } catch {
        pod = null;
      }
      if (pod === undefined) return { code: null, signal: 'SIGKILL' };
      const progress = pod ? podProgress(pod, at) : undefined;
      if (progress?.kind === 'exited') return progress.exit;
      await delay(LAST_POLL_MS);
    }
    return undefined;
  };

  const deleteQuietly = async (cl: KubeClient): Promise<void> => {
    try {
      await cl.deletePod(name, { timeoutMs: timeouts.commandTimeoutMs });
    } catch (error) {
      logger.warn(`kubernetes: deleting pod ${name} failed`, { error: String(error) });
    }
  };

  let exitInfo: ContainerExit | undefined;
  const exited: Promise<ContainerExit> = run()
    .catch((error: unknown): ContainerExit => {
      if (stopRequested) return { code: null, signal: created ? 'SIGKILL' : null };
      const runtimeError =
        error instanceof ContainerRuntimeError
          ? error
          : new ContainerRuntimeError(
              'COMMAND_FAILED',
              `Running pod ${name}${place ? ` on ${describeCluster(place)}` : ''} failed: ${String(error)}`,
              { engine: 'kubernetes', cause: error },
            );
      return { code: null, signal: null, error: runtimeError };
    })
    .then((exit) => {
      // After `stop()` an exit is never an error of its own (the contract of `ContainerExit.error`).
      const final = stopRequested ? { code: exit.code, signal: exit.signal } : exit;
      exitInfo = final;
      attachOpen = false;
      stdout.end();
      stderr.end();
      // Input written after the end goes nowhere, instead of piling up.
      stdin.removeAllListeners('data');
      stdin.resume();
      logger.debug(`kubernetes: ${name} exited`, { code: final.code, signal: final.signal });
      return final;
    });

  let stopping: Promise<void> | undefined;
  const doStop = async (): Promise<void> => {
    stopRequested = true;
    lifecycle.abort();
    socket?.close();
    const deadline = Date.now() + timeouts.stopTimeoutMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    // A create in flight may still make the pod: wait for its answer, then delete what it made.
    if (creating) await Promise.race([creating.catch(() => {}), delay(left())]);
    if (created && c) {
      const cl = c;
      while (left() > 0) {
        try {
          await cl.deletePod(name, { timeoutMs: Math.max(1000, left()) });
          // A cluster keeps a deleted pod Terminating for a moment; it is gone when GET says 404.
          if ((await cl.readPod(name, { timeoutMs: Math.max(1000, left()) })) === undefined) break;
        } catch (error) {
          logger.warn(`kubernetes: deleting pod ${name} failed`, { error: String(error) });
        }
        await delay(Math.min(LAST_POLL_MS, left()));
      }
      if (left() === 0)
        logger.warn(`kubernetes: pod ${name} still there ${timeouts.stopTimeoutMs} ms after delete`);
    }
    if (!exitInfo) await Promise.race([exited, delay(Math.max(1000, left()))]);
  };

  const container: RunningContainer = {
    name,
    stdin,
    stdout,
    stderr,
    exited,
    clientRunning: () => attachOpen,
    stop(stopOptions = {}) {
      stopping ??= doStop().catch((error: unknown) => {
        logger.warn(`kubernetes: stopping ${name} failed`, { error: String(error) });
      });
      const stopSignal = stopOptions.signal;
      return untilAborted(stopping, stopSignal).catch(() => {
        throw abortedError(stopSignal?.reason);
      });
    },
  };
  const detach = onAbort(input.signal, () => void container.stop());
  void exited.then(detach);
  return container;
}
