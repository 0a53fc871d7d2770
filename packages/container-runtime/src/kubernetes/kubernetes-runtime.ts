import { untilAborted } from '@codexec/internal';
import type { EngineEndpoint } from '../endpoint.js';
import { abortedError, invalidOption, isContainerRuntimeError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ContainerRuntime, ContainerSummary } from '../runtime.js';
import { createKubeClient, type KubeClient } from './kube-client.js';
import { buildPod, type ImagePullPolicy, type KubernetesPodOptions } from './pod-spec.js';
import { labelSelector, podSummary } from './pod-status.js';
import { type SpawnTimeouts, spawnPod } from './spawn-pod.js';

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

const DEFAULTS: SpawnTimeouts & { infoTimeoutMs: number } = {
  startTimeoutMs: 120_000,
  commandTimeoutMs: 30_000,
  infoTimeoutMs: 10_000,
  stopTimeoutMs: 15_000,
};

/** A label no pod carries: `info` lists pods with it to learn that the namespace may be used, without reading any. */
const PROBE_SELECTOR = 'codexec.dev/probe=none';

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
