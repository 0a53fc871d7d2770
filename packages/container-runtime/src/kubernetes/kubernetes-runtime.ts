import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { onAbort, untilAborted } from '@codexec/internal';
import type { EngineEndpoint } from '../endpoint.js';
import { abortedError, ContainerRuntimeError, invalidOption, isContainerRuntimeError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  ContainerSummary,
  RunningContainer,
} from '../runtime.js';
import { type AttachSocket, createKubeClient, type KubeClient } from './kube-client.js';
import { buildPod, type ImagePullPolicy, type KubernetesPodOptions } from './pod-spec.js';
import {
  type AttachStatus,
  type ClusterPlace,
  exitCodeFromStatus,
  labelSelector,
  type PodProgress,
  podProgress,
  podStartFailed,
  podStartTimedOut,
  podSummary,
} from './pod-status.js';

export interface KubernetesRuntimeOptions {
  /**
   * Namespace of the sandbox pods: the one whose NetworkPolicy cuts them off the network (deploy/kubernetes).
   * @default the namespace of the kubeconfig context, else `default`
   */
  namespace?: string | undefined;
  /**
   * Path of a kubeconfig file.
   * @default KUBECONFIG, then ~/.kube/config, then the pod's service account when running in a cluster (as
   * `KubeConfig.loadFromDefault` of @kubernetes/client-node does)
   */
  kubeconfig?: string | undefined;
  /**
   * Context of the kubeconfig to use.
   * @default its current context
   */
  context?: string | undefined;
  /** RuntimeClass of the pods (gVisor, Kata); see `KubernetesPodOptions.runtimeClassName`. */
  runtimeClassName?: string | undefined;
  /** @default 'IfNotPresent' */
  imagePullPolicy?: ImagePullPolicy | undefined;
  /** Labels added to every pod (the spec's labels win). */
  labels?: Record<string, string> | undefined;
  /**
   * How long a pod may stay Pending (scheduling, pulling its image) before `exited` reports
   * `CONTAINER_START_FAILED` and the pod is deleted, in milliseconds.
   * @default 120_000
   */
  startTimeoutMs?: number | undefined;
  /**
   * How long each request to the API server may take (`list`, `remove`, `reap`, and each step of a spawn), in
   * milliseconds.
   * @default 30_000
   */
  commandTimeoutMs?: number | undefined;
  /**
   * How long `info` waits for the API server, in milliseconds.
   * @default 10_000
   */
  infoTimeoutMs?: number | undefined;
  /**
   * How long `stop()` waits for the pod to be gone (GET answering 404), in milliseconds.
   * @default 15_000
   */
  stopTimeoutMs?: number | undefined;
  /** @default silentLogger */
  logger?: Logger | undefined;
}

const DEFAULTS = {
  startTimeoutMs: 120_000,
  commandTimeoutMs: 30_000,
  infoTimeoutMs: 10_000,
  stopTimeoutMs: 15_000,
};

/** A label no pod carries: `info` lists pods with it to learn that the namespace may be used, without reading any. */
const PROBE_SELECTOR = 'codexec.dev/probe=none';
const FIRST_POLL_MS = 100;
const LAST_POLL_MS = 500;
/** How long to wait for the pod's final state when the attach closed without a Status. */
const FINAL_STATE_MS = 10_000;

/**
 * A `ContainerRuntime` that runs each container as one pod of a Kubernetes cluster (`buildPod`), through the API
 * server: create the pod, poll it until it runs, attach its stdio over a WebSocket, delete it. What each method
 * throws is documented on `ContainerRuntime`; every message names the API server and the namespace.
 *
 * - `@kubernetes/client-node` (an optional peer dependency) is loaded at the first call that needs the cluster; when
 *   it is missing those calls fail with `RUNTIME_NOT_FOUND` naming it.
 * - `endpoint` and `command` say the API server's URL once the kubeconfig has been read (after the first call).
 * - `imageExists` is always true and `pullImage` does nothing: the nodes pull, by `imagePullPolicy`, and a missing
 *   image is the pod's waiting reason, reported as `IMAGE_MISSING` in `exited.error`.
 * - `spec.channel` is refused (`passesDescriptors` is false): no descriptor can be handed into a pod.
 */
export function createKubernetesRuntime(options: KubernetesRuntimeOptions = {}): ContainerRuntime {
  const logger = options.logger ?? silentLogger;
  const timeouts = {
    startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    infoTimeoutMs: options.infoTimeoutMs ?? DEFAULTS.infoTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
  };
  const podOptions: Omit<KubernetesPodOptions, 'namespace'> = {
    runtimeClassName: options.runtimeClassName,
    imagePullPolicy: options.imagePullPolicy,
    labels: options.labels,
  };
  let known: KubeClient | undefined;
  let connecting: Promise<KubeClient> | undefined;
  const client = (): Promise<KubeClient> => {
    connecting ??= createKubeClient(options).then(
      (created) => {
        known = created;
        logger.debug(`kubernetes: ${created.server}, namespace ${created.namespace}`, {
          context: created.context,
        });
        return created;
      },
      (error: unknown) => {
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  };

  const runtime: ContainerRuntime = {
    engine: 'kubernetes',
    get command() {
      return known?.server ?? options.kubeconfig ?? 'kubeconfig';
    },
    get endpoint(): EngineEndpoint {
      return {
        kind: 'address',
        value: known?.server,
        source: known?.context ? `kubeconfig context ${known.context}` : 'kubeconfig',
        remote: true,
      };
    },
    passesDescriptors: false,

    async info(opts = {}) {
      const c = await untilAborted(client(), opts.signal).catch(rethrowAborted(opts.signal));
      const request = { signal: opts.signal, timeoutMs: opts.timeoutMs ?? timeouts.infoTimeoutMs };
      const [version] = await Promise.all([c.version(request), c.listPods(PROBE_SELECTOR, request)]);
      return {
        engine: 'kubernetes',
        command: c.server,
        version: version.gitVersion,
        // Pods run as a non-root uid by spec (runAsNonRoot); the cluster's own privileges are not this user's.
        rootless: false,
        ociRuntimes: [],
        remote: true,
        address: c.server,
      };
    },

    // The nodes pull images, not this process: whether a node has one is known only when a pod asks for it.
    async imageExists(_image, opts = {}) {
      if (opts.signal?.aborted) throw abortedError(opts.signal.reason);
      return true;
    },

    // Nothing to do here: each node pulls by the pod's imagePullPolicy when it starts the pod.
    async pullImage(image, opts = {}) {
      if (opts.signal?.aborted) throw abortedError(opts.signal.reason);
      opts.onProgress?.({ message: `kubernetes: the nodes pull ${image} themselves (imagePullPolicy)` });
    },

    spawn(spec, opts = {}) {
      // Refuse a spec the pod cannot carry now, synchronously; the real namespace is known once the kubeconfig is read.
      buildPod(spec, { ...podOptions, namespace: options.namespace ?? 'default' });
      return spawnPod({ client, spec, podOptions, timeouts, logger, signal: opts.signal });
    },

    async remove(name, opts = {}) {
      const c = await untilAborted(client(), opts.signal).catch(rethrowAborted(opts.signal));
      await c.deletePod(name, request(opts));
    },

    async list(labels, opts = {}) {
      const c = await untilAborted(client(), opts.signal).catch(rethrowAborted(opts.signal));
      const pods = await c.listPods(labelSelector(labels), request(opts));
      return pods.map(podSummary);
    },

    async reap(labels, opts = {}) {
      if (Object.keys(labels).length === 0) {
        throw invalidOption('reap labels', '{}', 'at least one label, so that only this owner’s pods go');
      }
      const found: ContainerSummary[] = await runtime.list(labels, opts);
      if (found.length === 0) return [];
      const names = found.map((pod) => pod.name);
      logger.info(`kubernetes: deleting ${names.length} leftover pod(s)`, { names });
      const results = await Promise.allSettled(names.map((name) => runtime.remove(name, opts)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return names;
    },
  };

  function request(opts: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }) {
    return { signal: opts.signal, timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs };
  }
  return runtime;
}

function rethrowAborted(signal: AbortSignal | undefined): (error: unknown) => never {
  return (error) => {
    if (signal?.aborted && !isContainerRuntimeError(error)) throw abortedError(signal.reason);
    throw error;
  };
}

interface SpawnPodInput {
  client(): Promise<KubeClient>;
  spec: ContainerSpec;
  podOptions: Omit<KubernetesPodOptions, 'namespace'>;
  timeouts: typeof DEFAULTS;
  logger: Logger;
  signal: AbortSignal | undefined;
}

/**
 * One pod through its life: created in the background, polled until it runs, attached, and deleted when the
 * program has exited or `stop()` is called. Returns at once; every failure is in `exited`.
 */
function spawnPod(input: SpawnPodInput): RunningContainer {
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
    const pod = buildPod(spec, { ...input.podOptions, namespace: c.namespace });
    if (stopRequested) return { code: null, signal: null };
    // Not under `lifecycle`: a POST cut short may still create the pod, and `stop()` must know to delete it.
    creating = c.createPod(pod, { timeoutMs: timeouts.commandTimeoutMs });
    await creating;
    created = true;
    logger.debug(`kubernetes: created pod ${name} in ${c.namespace}`);
    if (stopRequested) return { code: null, signal: 'SIGKILL' };

    try {
      const started = await untilRunning(c);
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

  const untilRunning = async (cl: KubeClient): Promise<Exclude<PodProgress, { kind: 'pending' }>> => {
    const startedAt = Date.now();
    let interval = FIRST_POLL_MS;
    let reason: string | undefined;
    const at = { server: cl.server, namespace: cl.namespace };
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
            error: podStartFailed(name, at, 'the pod was deleted before it ran'),
          },
        };
      }
      const progress = podProgress(pod, { ...at, image: spec.image });
      if (progress.kind !== 'pending') return progress;
      reason = progress.reason ?? reason;
      if (Date.now() - startedAt > timeouts.startTimeoutMs) {
        return {
          kind: 'exited',
          exit: {
            code: null,
            signal: null,
            error: podStartTimedOut(name, at, timeouts.startTimeoutMs, reason),
          },
        };
      }
      await delay(interval, undefined, { signal: lifecycle.signal });
      interval = Math.min(LAST_POLL_MS, interval * 1.5);
    }
  };

  const attachAndWait = async (cl: KubeClient): Promise<ContainerExit> => {
    let status: AttachStatus | undefined;
    let closed!: () => void;
    const closedPromise = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const paused = new Set<PassThrough>();
    const feed = (stream: PassThrough, data: Buffer): void => {
      // Nothing is written after the end (a message still in flight when the socket was given up).
      if (stream.writableEnded) return;
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
          onClose: () => closed(),
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
    attachOpen = true;
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
    if (stopRequested) {
      const code = status ? exitCodeFromStatus(status) : undefined;
      return { code: code ?? null, signal: code === undefined ? 'SIGKILL' : null };
    }
    const code = status ? exitCodeFromStatus(status) : undefined;
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
        `The attach to pod ${name} on the Kubernetes API server ${cl.server} (namespace ${cl.namespace}) closed ` +
          `without the program's exit${status?.message ? ` (${status.message})` : ''}; the pod was deleted. Check the ` +
          'connection to the cluster.',
        { engine: 'kubernetes' },
      ),
    };
  };

  /** The program's exit as the pod's status tells it, waiting a little for it to be written; undefined if not. */
  const finalExit = async (cl: KubeClient): Promise<ContainerExit | undefined> => {
    const deadline = Date.now() + FINAL_STATE_MS;
    const at = { server: cl.server, namespace: cl.namespace, image: spec.image };
    while (Date.now() < deadline) {
      const pod = await cl.readPod(name, { timeoutMs: timeouts.commandTimeoutMs }).catch(() => undefined);
      if (!pod) return undefined;
      const progress = podProgress(pod, at);
      if (progress.kind === 'exited') return progress.exit;
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
              `Running pod ${name}${place ? ` on the Kubernetes API server ${place.server} (namespace ${place.namespace})` : ''} failed: ${String(error)}`,
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
