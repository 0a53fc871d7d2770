import { untilAborted } from '@codexec/internal';
import type { EngineEndpoint } from '../endpoint.js';
import { abortedError, ContainerRuntimeError, invalidOption, isContainerRuntimeError } from '../errors.js';
import { LABEL_MANAGED } from '../hardened-args.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ContainerRuntime, ContainerSummary, EngineCheck } from '../runtime.js';
import { createKubeClient, type KubeClient } from './kube-client.js';
import { REQUIRED_ACCESS } from './kube-errors.js';
import {
  describeIsolation,
  isolatingPolicies,
  type NetworkPolicyMode,
  SANDBOX_NETWORK_POLICY_NAME,
  sandboxIsolation,
  sandboxNetworkPolicy,
} from './network-policy.js';
import {
  buildPod,
  type ImagePullPolicy,
  type KubernetesPodOptions,
  type Pod,
  type PodOwner,
} from './pod-spec.js';
import { describeCluster, labelSelector, podSummary } from './pod-status.js';
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
   * What to do about the sandbox pods' network, which a pod spec cannot cut off (`NetworkPolicyMode`): `ensure`
   * checks the namespace's NetworkPolicies before the first pod (and again after a minute) and creates
   * `codexec-sandbox-deny-all` when none isolates sandbox pods; `require` only checks; `off` trusts the cluster.
   * A check that fails keeps pods from starting, with an error saying why.
   * @default 'ensure'
   */
  networkPolicy?: NetworkPolicyMode | undefined;
  /**
   * The name of the pod this process runs in, when it runs in the sandbox pods' namespace (the bridge's Deployment
   * passes its own through the downward API). Sandbox pods are then owned by it (an ownerReference), so the
   * cluster deletes them when that pod goes, even when the process never got to. The pod is looked up before the
   * first sandbox pod; when it is not there, pods get no owner and a warning is logged (an owner that does not exist
   * would make the cluster delete them at once).
   */
  ownerPod?: string | undefined;
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
/** How long a passed isolation check holds before the next pod checks again (a policy may have been deleted). */
const ISOLATION_RECHECK_MS = 60_000;

/**
 * A `ContainerRuntime` that runs each container as one pod of a Kubernetes cluster (`buildPod`), through the API
 * server: create the pod, watch it (or poll it) until it runs, attach its stdio over a WebSocket, delete it. What each
 * method throws is documented on `ContainerRuntime`; every message names the API server and the namespace.
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
  const networkPolicy = options.networkPolicy ?? 'ensure';
  const ownerPod = options.ownerPod;
  if (!['ensure', 'require', 'off'].includes(networkPolicy)) {
    throw invalidOption('networkPolicy', String(networkPolicy), 'ensure, require or off');
  }
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
      return spawnPod({
        client,
        spec,
        podOptions,
        timeouts,
        logger,
        signal: opts.signal,
        owner: ownerPod === undefined ? undefined : (c) => owner(c, ownerPod),
        beforeCreate: (c, pod) => isolated(c, pod),
      });
    },

    async diagnose(opts = {}) {
      const c = await untilAborted(client(), opts.signal).catch(rethrowAborted(opts.signal));
      const req = request(opts);
      const checks: EngineCheck[] = [];
      const wanted = REQUIRED_ACCESS.filter((a) => networkPolicy === 'ensure' || !a.ensureOnly).filter(
        (a) => networkPolicy !== 'off' || a.resource !== 'networkpolicies',
      );
      const answers = await c.canI(wanted, req);
      const missing = answers
        .map((answer, i) => ({ answer, need: wanted[i]! }))
        .filter(({ answer }) => !answer.allowed);
      const where = describeCluster({ server: c.server, namespace: c.namespace });
      const named = (need: (typeof wanted)[number]): string =>
        `${need.verb} ${need.subresource ? `${need.resource}/${need.subresource}` : need.resource} (to ${need.for}${need.optional ? `; without it ${need.optional}` : ''})`;
      const required = missing.filter(({ need }) => !need.optional);
      const optional = missing.filter(({ need }) => need.optional);
      const fix = `grant them to this user in ${where}: kubectl apply -n ${c.namespace} -f deploy/kubernetes/role.yaml -f deploy/kubernetes/rolebinding.yaml (the Role the bridge ships)`;
      const optionalText = optional.map(({ need }) => named(need)).join(', ');
      if (missing.length === 0) {
        checks.push({
          name: 'permissions',
          status: 'ok',
          detail: `all ${wanted.length} the bridge uses, in namespace ${c.namespace}`,
        });
      } else if (required.length > 0) {
        checks.push({
          name: 'permissions',
          status: 'fail',
          detail:
            `missing in namespace ${c.namespace}: ${required.map(({ need }) => named(need)).join(', ')}` +
            (optional.length > 0 ? `; optional, also missing: ${optionalText}` : ''),
          fix,
        });
      } else {
        // The bridge works without these: it is slower, not broken.
        checks.push({
          name: 'permissions',
          status: 'warn',
          detail: `optional, missing in namespace ${c.namespace}: ${optionalText}`,
          fix,
        });
      }
      if (ownerPod !== undefined) {
        const found = await owner(c, ownerPod).catch(() => undefined);
        checks.push(
          found
            ? {
                name: 'pod owner',
                status: 'ok',
                detail: `sandbox pods are owned by pod ${found.name}: the cluster deletes them when it goes`,
              }
            : {
                name: 'pod owner',
                status: 'warn',
                detail: `pod ${ownerPod} is not in namespace ${c.namespace}: sandbox pods get no owner`,
                fix: 'set `ownerPod` to the name of the pod the bridge runs in (the downward API’s metadata.name), in the sandbox pods’ namespace, or unset it',
              },
        );
      }
      if (networkPolicy === 'off') {
        checks.push({
          name: 'network isolation',
          status: 'warn',
          detail:
            'not checked (`networkPolicy` is off): sandbox pods have the network the cluster gives them',
          fix: 'make sure the cluster cuts sandbox pods off, or apply deploy/kubernetes/networkpolicy.yaml and turn the check on',
        });
        return checks;
      }
      const labels = { ...options.labels, [LABEL_MANAGED]: 'true' };
      if (missing.some(({ need }) => need.resource === 'networkpolicies' && need.verb === 'list')) {
        checks.push({
          name: 'network isolation',
          status: 'fail',
          detail:
            'cannot be checked: this user may not list networkpolicies (see permissions), so no pod starts',
          fix: `grant the Role above, or set \`networkPolicy\` to off if the cluster isolates pods another way`,
        });
        return checks;
      }
      let policies: Awaited<ReturnType<KubeClient['listNetworkPolicies']>>;
      try {
        policies = await c.listNetworkPolicies(req);
      } catch (error) {
        checks.push({ name: 'network isolation', status: 'fail', detail: errorText(error) });
        return checks;
      }
      const isolation = sandboxIsolation(policies, labels);
      const enforced = 'enforced only if the network plugin implements NetworkPolicy';
      if (isolation.isolated) {
        checks.push({
          name: 'network isolation',
          status: 'ok',
          detail: `sandbox pods cut off both ways by ${isolatingPolicies(isolation).join(', ')} (${enforced})`,
        });
      } else if (
        networkPolicy === 'ensure' &&
        isolation.ingress.state !== 'allowed' &&
        isolation.egress.state !== 'allowed'
      ) {
        const mayCreate = !missing.some(({ need }) => need.resource === 'networkpolicies');
        checks.push({
          name: 'network isolation',
          status: mayCreate ? 'ok' : 'fail',
          detail: mayCreate
            ? `no policy yet (${describeIsolation(isolation)}): ${SANDBOX_NETWORK_POLICY_NAME} is created before the first pod (${enforced})`
            : `no policy isolates sandbox pods, and this user may not create one`,
          ...(mayCreate
            ? {}
            : { fix: `kubectl apply -n ${c.namespace} -f deploy/kubernetes/networkpolicy.yaml` }),
        });
      } else {
        checks.push({
          name: 'network isolation',
          status: 'fail',
          detail: `sandbox pods would not be cut off: ${describeIsolation(isolation)}`,
          fix: isolationFix(
            isolation.ingress.state === 'allowed' || isolation.egress.state === 'allowed',
            c.namespace,
          ),
        });
      }
      return checks;
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

  // The owner pod's uid, looked up once (again after a failure to ask).
  let ownerLookup: Promise<PodOwner | undefined> | undefined;
  function owner(c: KubeClient, name: string): Promise<PodOwner | undefined> {
    ownerLookup ??= c.readPod(name, { timeoutMs: timeouts.commandTimeoutMs }).then(
      (pod) => {
        const uid = (pod?.metadata as { uid?: string } | undefined)?.uid;
        if (uid) {
          logger.debug(`kubernetes: sandbox pods are owned by pod ${name} (${uid})`);
          return { name, uid };
        }
        logger.warn(
          `kubernetes: the owner pod ${name} is not in namespace ${c.namespace}: sandbox pods get no owner, and ` +
            'the cluster will not delete them if this process dies without removing them',
        );
        return undefined;
      },
      (error: unknown) => {
        ownerLookup = undefined;
        throw error;
      },
    );
    return ownerLookup;
  }

  // The last passed isolation check, per set of pod labels (one per sandbox), and the check under way.
  const isolationChecks = new Map<string, { passedAt?: number; running?: Promise<void> }>();
  /** Resolves when sandbox pods with this pod's labels are cut off from the network (`networkPolicy`). */
  function isolated(c: KubeClient, pod: Pod): Promise<void> {
    if (networkPolicy === 'off') return Promise.resolve();
    const labels = pod.metadata.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = isolationChecks.get(key) ?? {};
    isolationChecks.set(key, entry);
    if (entry.passedAt !== undefined && Date.now() - entry.passedAt < ISOLATION_RECHECK_MS) {
      return Promise.resolve();
    }
    entry.running ??= checkIsolation(c, labels).then(
      () => {
        entry.passedAt = Date.now();
        entry.running = undefined;
      },
      (error: unknown) => {
        entry.running = undefined;
        throw error;
      },
    );
    return entry.running;
  }

  async function checkIsolation(c: KubeClient, labels: Record<string, string>): Promise<void> {
    const req = { timeoutMs: timeouts.commandTimeoutMs };
    const where = describeCluster({ server: c.server, namespace: c.namespace });
    let isolation = sandboxIsolation(await c.listNetworkPolicies(req), labels);
    if (isolation.isolated) return;
    const allowed = isolation.ingress.state === 'allowed' || isolation.egress.state === 'allowed';
    if (networkPolicy === 'ensure' && !allowed) {
      logger.info(`kubernetes: creating NetworkPolicy ${SANDBOX_NETWORK_POLICY_NAME} in ${c.namespace}`, {
        before: describeIsolation(isolation),
      });
      try {
        await c.createNetworkPolicy(sandboxNetworkPolicy(), req);
      } catch (error) {
        // Another bridge made it first: read again below. Anything else (403) says what is missing.
        if (!isContainerRuntimeError(error, 'CONTAINER_START_FAILED') || !/already/.test(error.message)) {
          throw new ContainerRuntimeError(
            'CONTAINER_START_FAILED',
            `No NetworkPolicy of ${where} cuts sandbox pods off the network, and creating ${SANDBOX_NETWORK_POLICY_NAME} failed: ${errorText(error)}`,
            { engine: 'kubernetes', cause: error },
          );
        }
      }
      isolation = sandboxIsolation(await c.listNetworkPolicies(req), labels);
      if (isolation.isolated) return;
    }
    throw new ContainerRuntimeError(
      'CONTAINER_START_FAILED',
      `Sandbox pods in ${where} would not be cut off from the network (${describeIsolation(isolation)}), so none is started. ${isolationFix(allowed, c.namespace)}.`,
      { engine: 'kubernetes' },
    );
  }

  function request(opts: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }) {
    return { signal: opts.signal, timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs };
  }
  return runtime;
}

function isolationFix(allowedByAnother: boolean, namespace: string): string {
  return allowedByAnother
    ? 'NetworkPolicies add up: change the policies that allow traffic so they do not select pods labelled ' +
        `${LABEL_MANAGED}=true, or set \`networkPolicy\` to off if that traffic is wanted`
    : `Apply deploy/kubernetes/networkpolicy.yaml (kubectl apply -n ${namespace} -f …), set \`networkPolicy\` to ensure ` +
        'to let the bridge create it, or to off if the cluster isolates pods another way';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function rethrowAborted(signal: AbortSignal | undefined): (error: unknown) => never {
  return (error) => {
    if (signal?.aborted && !isContainerRuntimeError(error)) throw abortedError(signal.reason);
    throw error;
  };
}
