import { ContainerRuntimeError, tail } from '../errors.js';
import { type ClusterPlace, describeCluster } from './pod-status.js';

/**
 * What went wrong with one request to the API server, as the client saw it: an HTTP status with the API's Status
 * body, or no answer at all (`status` undefined: refused, reset, TLS, timeout).
 */
export interface ApiFailure extends ClusterPlace {
  /** What the adapter asked, in words and RBAC terms: `create pods`, `get version`. */
  action: string;
  status?: number | undefined;
  /** The `message` of the Status object, or the text of the body or of the network error. */
  message?: string | undefined;
  /** The Status `reason` (`Forbidden`, `NotFound`, `AlreadyExists`, `Invalid`). */
  reason?: string | undefined;
  timedOutAfterMs?: number | undefined;
  cause?: unknown;
}

/** One permission the adapter needs, in RBAC terms. */
export interface RequiredAccess {
  verb: string;
  resource: string;
  subresource?: string;
  /** '' for the core group. */
  group: string;
  /** What it is for, in words. */
  for: string;
  /** Needed only when the adapter creates the NetworkPolicy itself (`networkPolicy: 'ensure'`). */
  ensureOnly?: boolean;
  /** Set when the adapter works without it: what it does instead, in words. */
  optional?: string;
}

/**
 * Every permission the adapter uses in its namespace, as `deploy/kubernetes/role.yaml` grants them; an `optional`
 * one only makes it slower when it is missing (doctor warns). The attach is a
 * WebSocket upgrade of a GET, which API servers authorise as `get` and, since Kubernetes 1.30, also as `create`.
 */
export const REQUIRED_ACCESS: readonly RequiredAccess[] = [
  { verb: 'create', resource: 'pods', group: '', for: 'start sandbox pods' },
  { verb: 'get', resource: 'pods', group: '', for: "read a pod's state" },
  {
    verb: 'watch',
    resource: 'pods',
    group: '',
    for: 'see a pod start as soon as it runs',
    optional: 'pod starts are polled, a few hundred ms slower each',
  },
  { verb: 'list', resource: 'pods', group: '', for: 'find leftover pods' },
  { verb: 'delete', resource: 'pods', group: '', for: 'remove pods' },
  { verb: 'create', resource: 'pods', subresource: 'attach', group: '', for: "attach to a pod's stdio" },
  { verb: 'get', resource: 'pods', subresource: 'attach', group: '', for: "attach to a pod's stdio" },
  {
    verb: 'list',
    resource: 'networkpolicies',
    group: 'networking.k8s.io',
    for: 'check the sandbox isolation',
  },
  {
    verb: 'create',
    resource: 'networkpolicies',
    group: 'networking.k8s.io',
    for: 'create the sandbox NetworkPolicy',
    ensureOnly: true,
  },
];

/** The RBAC a service account needs for the adapter, in words: `pods: create, get, …; pods/attach: …`. */
export const REQUIRED_RBAC = (() => {
  const verbs = new Map<string, string[]>();
  for (const a of REQUIRED_ACCESS) {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    verbs.set(resource, [...(verbs.get(resource) ?? []), a.verb]);
  }
  return [...verbs].map(([resource, list]) => `${resource}: ${list.join(', ')}`).join('; ');
})();

/**
 * A typed error for a failed API request, naming the server and the namespace. Pure.
 *
 * - No answer or a timeout: `ENGINE_NOT_RESPONDING`.
 * - 401/403: `COMMAND_FAILED`, saying which credentials and RBAC verbs are needed. Not `ENGINE_NOT_RESPONDING`:
 *   the server answered, and waiting or restarting it changes nothing; the kubeconfig or the Role must change.
 *   A 403 from admission that names a missing RuntimeClass is `OCI_RUNTIME_MISSING`.
 * - 422 (`Invalid`) on create: `CONTAINER_START_FAILED` with the field the server names; 409 (`AlreadyExists`)
 *   likewise, as a container name in use is for the engines.
 * - Anything else: `COMMAND_FAILED` with the server's message.
 */
export function apiError(failure: ApiFailure): ContainerRuntimeError {
  const place = describeCluster(failure);
  const message = failure.message ? tail(failure.message, 4, 600) : '';
  const said = message ? `: ${message}` : '';
  const options = { engine: 'kubernetes', cause: failure.cause, stderr: message || undefined };
  if (failure.status === undefined) {
    const what =
      failure.timedOutAfterMs !== undefined
        ? `did not answer within ${Math.round(failure.timedOutAfterMs / 100) / 10} s`
        : 'could not be reached';
    return new ContainerRuntimeError(
      'ENGINE_NOT_RESPONDING',
      `${place} ${what} (${failure.action})${said}. Check that the cluster is up and reachable from here ` +
        '(`kubectl version`), and the server address, context and certificates of the kubeconfig.',
      options,
    );
  }
  if (failure.status === 403 && /runtimeclass/i.test(message)) {
    return new ContainerRuntimeError(
      'OCI_RUNTIME_MISSING',
      `${place} refused the pod for its RuntimeClass${said}. Set \`runtimeClassName\` (or \`limits.ociRuntime\`) to a ` +
        'RuntimeClass of the cluster (`kubectl get runtimeclass`), or unset it to use the default runtime.',
      options,
    );
  }
  if (failure.status === 401) {
    return new ContainerRuntimeError(
      'COMMAND_FAILED',
      `${place} does not accept the credentials of the kubeconfig (401 Unauthorized, ${failure.action})${said}. ` +
        'Renew the token or certificate of the kubeconfig user, or pick another `context`.',
      options,
    );
  }
  if (failure.status === 403) {
    return new ContainerRuntimeError(
      'COMMAND_FAILED',
      `${place} forbids this user to ${failure.action} (403 Forbidden)${said}. Grant it a Role in namespace ` +
        `${failure.namespace} with ${REQUIRED_RBAC} (deploy/kubernetes has one), or set \`namespace\` to one it ` +
        'may use.',
      options,
    );
  }
  const object = /networkpolic/.test(failure.action) ? 'NetworkPolicy' : 'pod';
  if (failure.status === 409 || failure.reason === 'AlreadyExists') {
    return new ContainerRuntimeError(
      'CONTAINER_START_FAILED',
      `${place} has a ${object} of this name already${said}: use a new id, or remove the old ${object}.`,
      options,
    );
  }
  if (failure.status === 422 || failure.reason === 'Invalid') {
    return new ContainerRuntimeError(
      'CONTAINER_START_FAILED',
      `${place} refused the ${object} as invalid${said}. Fix the setting the message names.`,
      options,
    );
  }
  return new ContainerRuntimeError(
    'COMMAND_FAILED',
    `${place} failed to ${failure.action} (HTTP ${failure.status}${failure.reason ? ` ${failure.reason}` : ''})${said}.`,
    options,
  );
}

/** The `message` and `reason` of an API error body: a Status object, its JSON text, or plain text. Pure. */
export function readStatusBody(body: unknown): { message?: string; reason?: string } {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim() } : {};
    }
  }
  if (value !== null && typeof value === 'object') {
    const { message, reason } = value as { message?: unknown; reason?: unknown };
    return {
      ...(typeof message === 'string' ? { message } : {}),
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  }
  return {};
}
