import { constants } from 'node:os';
import { ContainerRuntimeError } from '../errors.js';
import type { ContainerExit, ContainerSummary } from '../runtime.js';
import { SANDBOX_CONTAINER } from './pod-spec.js';

/**
 * What the adapter reads of a Pod the API server returns, under the API's field names (a subset of v1 Pod and its
 * status). Pure code below reads only these, so it is tested without a cluster or the client library.
 */
export interface PodView {
  metadata?: {
    name?: string | undefined;
    uid?: string | undefined;
    /** The version of the pod's last change, from which a watch of it starts. */
    resourceVersion?: string | undefined;
    labels?: Record<string, string> | undefined;
    deletionTimestamp?: unknown;
  };
  spec?: { containers?: { name?: string; image?: string | undefined }[] | undefined };
  status?: {
    phase?: string | undefined;
    reason?: string | undefined;
    message?: string | undefined;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[] | undefined;
    containerStatuses?: ContainerStatusView[] | undefined;
  };
}

export interface ContainerStatusView {
  name: string;
  image?: string | undefined;
  state?: {
    waiting?: { reason?: string | undefined; message?: string | undefined } | undefined;
    running?: unknown;
    terminated?: TerminatedView | undefined;
  };
}

export interface TerminatedView {
  exitCode: number;
  signal?: number | undefined;
  reason?: string | undefined;
  message?: string | undefined;
}

/** The final message of an attach (channel 3): a v1 Status. */
export interface AttachStatus {
  status?: string | undefined;
  message?: string | undefined;
  reason?: string | undefined;
  details?: { causes?: { reason?: string; message?: string }[] | undefined } | undefined;
}

/** Where the adapter talks to, named in every message. */
export interface ClusterPlace {
  server: string;
  namespace: string;
}

/** Where a pod is on its way to running the program, as its status says. */
export type PodProgress =
  | { kind: 'pending'; reason?: string | undefined }
  | { kind: 'running' }
  | { kind: 'exited'; exit: ContainerExit };

// The kubelet's reasons for a container that cannot start because of its image.
const IMAGE_REASONS = new Set(['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);
// Reasons for a container the kubelet or the node's runtime refused (bad config, runtime handler missing, …).
const START_REASONS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
  'PreCreateHookError',
  'PreStartHookError',
]);

/**
 * Reads a pod's status: still pending (scheduling, pulling, creating), running, or done, with the program's exit
 * or why it never ran. Pure.
 */
export function podProgress(pod: PodView, context: ClusterPlace & { image: string }): PodProgress {
  const name = pod.metadata?.name ?? '?';
  const sandbox = pod.status?.containerStatuses?.find((s) => s.name === SANDBOX_CONTAINER);
  const state = sandbox?.state;
  if (state?.terminated) return { kind: 'exited', exit: exitFromTerminated(state.terminated) };
  if (state?.waiting?.reason && IMAGE_REASONS.has(state.waiting.reason)) {
    return {
      kind: 'exited',
      exit: { code: null, signal: null, error: podImageMissing(name, context, state.waiting) },
    };
  }
  if (state?.waiting?.reason && START_REASONS.has(state.waiting.reason)) {
    return {
      kind: 'exited',
      exit: {
        code: null,
        signal: null,
        error: podStartFailed(name, context, `${state.waiting.reason}: ${state.waiting.message ?? ''}`),
      },
    };
  }
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    // Done without a container status: evicted, or refused by the node before the container was made.
    const why = [pod.status?.reason, pod.status?.message].filter(Boolean).join(': ') || `phase ${phase}`;
    return { kind: 'exited', exit: { code: null, signal: null, error: podStartFailed(name, context, why) } };
  }
  if (phase === 'Running' && state?.running !== undefined) return { kind: 'running' };
  if (phase === 'Running' && !sandbox) return { kind: 'running' };
  return { kind: 'pending', reason: pendingReason(pod) };
}

/** One event of a watch, as the API server streams it: `object` is a pod, or a Status for `ERROR`. */
export interface WatchEvent {
  type: string;
  object: unknown;
}

/** What a watch event says of the pod's start: progress as a read would say it, or why to stop watching and poll. */
export type WatchedProgress = PodProgress | { kind: 'poll'; why: string };

/**
 * Reads one event of a watch of the starting pod: a pod added or modified says where it is (as `podProgress`); a
 * deleted one never ran; an `ERROR` (a 410 Gone for a version the server no longer keeps, anything else) ends what
 * the watch can tell, and polling takes over. `BOOKMARK`s and unknown types change nothing. Pure.
 */
export function watchedProgress(
  event: WatchEvent,
  context: ClusterPlace & { name: string; image: string },
): WatchedProgress {
  if (event.type === 'ADDED' || event.type === 'MODIFIED') {
    return podProgress(event.object as PodView, context);
  }
  if (event.type === 'DELETED') {
    return {
      kind: 'exited',
      exit: {
        code: null,
        signal: null,
        error: podStartFailed(context.name, context, 'the pod was deleted before it was seen running'),
      },
    };
  }
  if (event.type === 'ERROR') {
    const status = (event.object ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
    const why = [status.code, status.reason, status.message].filter((part) => part !== undefined).join(' ');
    return { kind: 'poll', why: `the watch ended with an error (${why || 'no Status'})` };
  }
  return { kind: 'pending' };
}

/** Why a pod is still pending, in words, for the message when it stays pending too long. Pure. */
export function pendingReason(pod: PodView): string | undefined {
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return [unscheduled.reason, unscheduled.message].filter(Boolean).join(': ');
  const waiting = pod.status?.containerStatuses?.find((s) => s.name === SANDBOX_CONTAINER)?.state?.waiting;
  if (waiting?.reason) return [waiting.reason, waiting.message].filter(Boolean).join(': ');
  return pod.status?.phase;
}

/**
 * The exit of a terminated container: its exit code, and the signal when the runtime reported one. An OOM kill is
 * an exit like any other (code 137): the program ran, and the sandbox reads the memory report itself. Pure.
 */
export function exitFromTerminated(terminated: TerminatedView): ContainerExit {
  const signal = terminated.signal ? signalName(terminated.signal) : null;
  return { code: terminated.exitCode, signal };
}

/**
 * The exit code in an attach's final Status: 0 for `Success`, the `ExitCode` cause of a `NonZeroExitCode`
 * failure. Undefined when the Status does not say (another failure): the pod's status is read instead. Pure.
 */
export function exitCodeFromStatus(status: AttachStatus): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return cause && Number.isInteger(code) ? code : undefined;
}

/** `SIGKILL` for 9; `SIG<n>` for a number this platform does not name. Pure. */
export function signalName(signal: number): string {
  const entry = Object.entries(constants.signals).find(([, number]) => number === signal);
  return entry?.[0] ?? `SIG${signal}`;
}

/** A pod as `list` reports it: its uid, name, labels, phase in lower case, or `terminating` once deleted. Pure. */
export function podSummary(pod: PodView): ContainerSummary {
  const phase = pod.status?.phase?.toLowerCase() ?? 'unknown';
  const image =
    pod.spec?.containers?.find((c) => c.name === SANDBOX_CONTAINER)?.image ??
    pod.spec?.containers?.[0]?.image;
  return {
    id: pod.metadata?.uid ?? '',
    name: pod.metadata?.name ?? '',
    labels: { ...pod.metadata?.labels },
    state: pod.metadata?.deletionTimestamp ? 'terminating' : phase,
    image,
  };
}

/** An equality label selector (`k1=v1,k2=v2`), what `list` and `reap` send. Pure. */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** The cluster in words, as every message of the adapter names it. Pure. */
export function describeCluster(place: ClusterPlace): string {
  return `the Kubernetes API server ${place.server} (namespace ${place.namespace})`;
}

function podImageMissing(
  pod: string,
  context: ClusterPlace & { image: string },
  waiting: { reason?: string | undefined; message?: string | undefined },
): ContainerRuntimeError {
  const detail = [waiting.reason, waiting.message].filter(Boolean).join(': ');
  return new ContainerRuntimeError(
    'IMAGE_MISSING',
    `The pod ${pod} on ${describeCluster(context)} cannot get the image ${context.image} (${detail}). Make the image ` +
      'available to the nodes (push it to a registry they can pull from, with an imagePullSecret if it is ' +
      'private), or set the `image` and `imagePullPolicy` to match what the nodes have.',
    { engine: 'kubernetes', stderr: detail || undefined },
  );
}

export function podStartFailed(pod: string, context: ClusterPlace, why: string): ContainerRuntimeError {
  return new ContainerRuntimeError(
    'CONTAINER_START_FAILED',
    `The pod ${pod} on ${describeCluster(context)} did not start (${why}). Check \`kubectl describe pod ${pod} -n ` +
      `${context.namespace}\` and the events of the namespace.`,
    { engine: 'kubernetes', stderr: why },
  );
}

/** A pod that stayed Pending longer than `startTimeoutMs`. Pure. */
export function podStartTimedOut(
  pod: string,
  context: ClusterPlace,
  timeoutMs: number,
  reason: string | undefined,
): ContainerRuntimeError {
  return podStartFailed(
    pod,
    context,
    `still pending after ${Math.round(timeoutMs / 100) / 10} s${reason ? `: ${reason}` : ''}; raise startTimeoutMs if the ` +
      'cluster is only slow (a cold node pulling the image)',
  );
}
