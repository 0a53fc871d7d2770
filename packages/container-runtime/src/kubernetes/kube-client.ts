import { PassThrough } from 'node:stream';
import { linkedSignal, untilAborted } from '@codexec/internal';
import { abortedError, ContainerRuntimeError, invalidOption } from '../errors.js';
import { apiError, readStatusBody } from './kube-errors.js';
import type { NetworkPolicyView } from './network-policy.js';
import type { Pod } from './pod-spec.js';
import { SANDBOX_CONTAINER } from './pod-spec.js';
import type { AttachStatus, PodView, WatchEvent } from './pod-status.js';

// The package's index leaves out its WebSocket handler, which applies the kubeconfig's credentials and TLS to a
// WebSocket; it has no exports map, so the module is imported by its path.
type ClientNode = typeof import('@kubernetes/client-node') &
  Pick<typeof import('@kubernetes/client-node/dist/web-socket-handler.js'), 'WebSocketHandler'>;

/** The package the adapter needs and does not depend on (an optional peer), named in the error when it is missing. */
export const CLIENT_PACKAGE = '@kubernetes/client-node';

let loading: Promise<ClientNode> | undefined;

/**
 * `@kubernetes/client-node`, loaded the first time a Kubernetes adapter needs it: it is large (undici, ws, openid,
 * yaml), and users of podman or docker never load it.
 *
 * @throws {ContainerRuntimeError} (rejects) `RUNTIME_NOT_FOUND` when it is not installed: as for a missing engine
 * CLI, the software that reaches the engine is not there, and installing it is the fix.
 */
export function loadClientNode(): Promise<ClientNode> {
  loading ??= Promise.all([
    import('@kubernetes/client-node'),
    import('@kubernetes/client-node/dist/web-socket-handler.js'),
  ]).then(
    ([main, socketHandler]) => ({ ...main, WebSocketHandler: socketHandler.WebSocketHandler }),
    (error: unknown) => {
      loading = undefined;
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        throw new ContainerRuntimeError(
          'RUNTIME_NOT_FOUND',
          `The Kubernetes runtime needs the package ${CLIENT_PACKAGE}, which is not installed: install it beside ` +
            `@codexec/container-runtime (\`npm install ${CLIENT_PACKAGE}@^2.0.1\`), or choose podman or docker.`,
          { engine: 'kubernetes', cause: error },
        );
      }
      throw new ContainerRuntimeError(
        'RUNTIME_NOT_FOUND',
        `${CLIENT_PACKAGE} could not be loaded (${String(error)}): reinstall it (version 2.0.1 or later of 2.x).`,
        { engine: 'kubernetes', cause: error },
      );
    },
  );
  return loading;
}

export interface KubeClientOptions {
  /** A kubeconfig file; default KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string | undefined;
  /** A context of the kubeconfig; default its current context. */
  context?: string | undefined;
  /** Default: the context's namespace, else `default`. */
  namespace?: string | undefined;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
}

export interface WatchPodOptions extends RequestOptions {
  resourceVersion: string;
  /** Asks the server to end the stream after this long. */
  timeoutSeconds?: number | undefined;
  onEvent(event: WatchEvent): void;
}

/** The end of an open attach, as the adapter uses it. */
export interface AttachSocket {
  /** `v5.channel.k8s.io`, `v4.channel.k8s.io`, …: what the server chose. */
  readonly protocol: string;
  /** Sends bytes to the container's stdin (channel 0). */
  sendStdin(data: Buffer): void;
  /** Closes the container's stdin and keeps the socket open (v5 only); false when the protocol cannot. */
  closeStdin(): boolean;
  close(): void;
  /** Stops reading from the server until `resume`, so output waits in the server (backpressure). */
  pause(): void;
  resume(): void;
}

export interface AttachHandlers {
  onStdout(data: Buffer): void;
  onStderr(data: Buffer): void;
  onStatus(status: AttachStatus): void;
  onClose(): void;
}

/** The handful of API calls the adapter makes, bound to one cluster, user and namespace. */
export interface KubeClient {
  readonly server: string;
  readonly namespace: string;
  readonly context: string;
  version(options: RequestOptions): Promise<{ gitVersion: string }>;
  listPods(selector: string, options: RequestOptions): Promise<PodView[]>;
  createPod(pod: Pod, options: RequestOptions): Promise<PodView>;
  /** Undefined when the pod does not exist (404). */
  readPod(name: string, options: RequestOptions): Promise<PodView | undefined>;
  /**
   * Watches one pod (`watch` on pods) from `resourceVersion`, calling `onEvent` with each event, until `signal`
   * aborts (rejects with the abort) or the server ends the stream (resolves). `timeoutMs` bounds the connect and each
   * silence of the stream.
   *
   * @throws {ContainerRuntimeError} (rejects) as `apiError` types it (a 403 for a user without `watch`, a
   * connection that failed).
   */
  watchPod(name: string, options: WatchPodOptions): Promise<void>;
  /** Deletes at once (grace period 0); false when the pod did not exist (404). */
  deletePod(name: string, options: RequestOptions): Promise<boolean>;
  /** Attaches stdin, stdout and stderr of the sandbox container of a running pod. */
  attach(name: string, handlers: AttachHandlers, options: RequestOptions): Promise<AttachSocket>;
  listNetworkPolicies(options: RequestOptions): Promise<NetworkPolicyView[]>;
  createNetworkPolicy(policy: NetworkPolicyView, options: RequestOptions): Promise<NetworkPolicyView>;
  /**
   * Whether this user may do each thing in the namespace, as the API server's authorizer answers
   * (SelfSubjectAccessReview, which every authenticated user may create).
   */
  canI(attributes: AccessAttributes[], options: RequestOptions): Promise<AccessAnswer[]>;
}

/** One permission in RBAC terms: `create` on `pods`, `create` on `pods` subresource `attach`. */
export interface AccessAttributes {
  verb: string;
  resource: string;
  subresource?: string | undefined;
  /** '' for the core group. */
  group?: string | undefined;
}

export interface AccessAnswer extends AccessAttributes {
  allowed: boolean;
  /** The authorizer's reason, when it gives one. */
  reason?: string | undefined;
}

/**
 * A client for the cluster the kubeconfig names, loading `@kubernetes/client-node` first.
 *
 * @throws {ContainerRuntimeError} (rejects) `RUNTIME_NOT_FOUND` (package missing), `INVALID_OPTIONS` (a kubeconfig
 * that cannot be read, an unknown context, a context without a cluster).
 */
export async function createKubeClient(options: KubeClientOptions): Promise<KubeClient> {
  const k8s = await loadClientNode();
  const kc = new k8s.KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw invalidOption(
      'kubeconfig',
      options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config',
      `a readable kubeconfig file (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) {
      throw invalidOption(
        'context',
        options.context,
        `a context of the kubeconfig (${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'it has none'
        })`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server;
  if (!server) {
    throw invalidOption(
      'context',
      context || '(none)',
      'a kubeconfig context whose cluster has a server address',
    );
  }
  const namespace = options.namespace ?? kc.getContextObject(context)?.namespace ?? 'default';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const versions = kc.makeApiClient(k8s.VersionApi);
  const networking = kc.makeApiClient(k8s.NetworkingV1Api);
  const authorization = kc.makeApiClient(k8s.AuthorizationV1Api);
  const place = { server, namespace };

  /** Runs one request with the caller's signal and a timeout, turning every failure into a typed error. */
  async function request<T>(
    action: string,
    options: RequestOptions,
    send: (config: { middleware: unknown[]; middlewareMergeStrategy: 'append' }) => Promise<T>,
  ): Promise<T> {
    if (options.signal?.aborted) throw abortedError(options.signal.reason);
    const linked = linkedSignal([options.signal]);
    const timer = setTimeout(() => linked.abort(new Error('timeout')), options.timeoutMs);
    const signal = linked.signal;
    // The generated client takes its AbortSignal from the request context; a middleware is the way to set it.
    const middleware = {
      pre: (context: { setSignal(signal: AbortSignal): void }) => {
        context.setSignal(signal);
        return new k8s.Observable(Promise.resolve(context));
      },
      post: (response: unknown) => new k8s.Observable(Promise.resolve(response)),
    };
    try {
      return await send({ middleware: [middleware], middlewareMergeStrategy: 'append' });
    } catch (error) {
      if (options.signal?.aborted) throw abortedError(options.signal.reason);
      // client-node refuses a plain http:// server unless the kubeconfig says to skip TLS verification.
      if (/HTTP protocol is not allowed/i.test(networkMessage(error))) {
        throw invalidOption(
          'kubeconfig',
          place.server,
          'an https:// server, or `insecure-skip-tls-verify: true` on the cluster of an http:// one',
        );
      }
      if (error instanceof k8s.ApiException) {
        const body = readStatusBody(error.body);
        throw apiError({ ...place, action, status: error.code, ...body, cause: error });
      }
      const timedOut = signal.aborted;
      throw apiError({
        ...place,
        action,
        message: networkMessage(error),
        ...(timedOut ? { timedOutAfterMs: options.timeoutMs } : {}),
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      linked.unlink();
    }
  }

  const notFound = (error: unknown): boolean =>
    error instanceof ContainerRuntimeError &&
    error.cause instanceof k8s.ApiException &&
    (error.cause as { code: number }).code === 404;

  // biome-ignore lint/suspicious/noExplicitAny: the generated client's option type is generic over its middleware.
  type AnyOptions = any;
  return {
    server,
    namespace,
    context,
    async version(opts) {
      const info = await request('get version', opts, (config) =>
        versions.getCode(undefined, config as AnyOptions),
      );
      return { gitVersion: info.gitVersion };
    },
    async listPods(selector, opts) {
      const list = await request('list pods', opts, (config) =>
        core.listNamespacedPod({ namespace, labelSelector: selector }, config as AnyOptions),
      );
      return list.items as PodView[];
    },
    async createPod(pod, opts) {
      return (await request('create pods', opts, (config) =>
        core.createNamespacedPod({ namespace, body: pod as AnyOptions }, config as AnyOptions),
      )) as PodView;
    },
    async readPod(name, opts) {
      try {
        return (await request('get pods', opts, (config) =>
          core.readNamespacedPod({ name, namespace }, config as AnyOptions),
        )) as PodView;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    watchPod(name, opts) {
      if (opts.signal?.aborted) return Promise.reject(abortedError(opts.signal.reason));
      const watch = new k8s.Watch(kc);
      // The client's timer bounds the connect, then each silence of the stream. Its field is private in the types
      // only, and the one way to set it.
      (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = opts.timeoutMs;
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
      const query = {
        fieldSelector: `metadata.name=${name}`,
        resourceVersion: opts.resourceVersion,
        ...(opts.timeoutSeconds === undefined ? {} : { timeoutSeconds: opts.timeoutSeconds }),
      };
      return new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        let settled = false;
        const finish = (error?: unknown): void => {
          if (settled) return;
          settled = true;
          opts.signal?.removeEventListener('abort', aborted);
          controller?.abort();
          if (error === undefined) resolve();
          else reject(error);
        };
        // `watch` gives its AbortController only once the server has answered: an abort before that waits for it.
        const aborted = (): void => finish(abortedError(opts.signal?.reason));
        opts.signal?.addEventListener('abort', aborted, { once: true });
        const failed = (error: unknown): ContainerRuntimeError => {
          if (error instanceof ContainerRuntimeError) return error;
          const status = (error as { statusCode?: unknown } | null)?.statusCode;
          const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
          return apiError({
            ...place,
            action: 'watch pods',
            status: typeof status === 'number' ? status : undefined,
            message: networkMessage(error),
            ...(timedOut ? { timedOutAfterMs: opts.timeoutMs } : {}),
            cause: error,
          });
        };
        watch
          .watch(
            path,
            query,
            (type: string, object: unknown) => {
              if (!settled) opts.onEvent({ type, object });
            },
            (error: unknown) => finish(error ? failed(error) : undefined),
          )
          .then(
            (given) => {
              controller = given;
              if (settled) given.abort();
            },
            (error: unknown) => finish(failed(error)),
          );
      });
    },
    async deletePod(name, opts) {
      try {
        await request('delete pods', opts, (config) =>
          core.deleteNamespacedPod(
            { name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0 } },
            config as AnyOptions,
          ),
        );
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        throw error;
      }
    },
    async listNetworkPolicies(opts) {
      const list = await request('list networkpolicies', opts, (config) =>
        networking.listNamespacedNetworkPolicy({ namespace }, config as AnyOptions),
      );
      return list.items as NetworkPolicyView[];
    },
    async createNetworkPolicy(policy, opts) {
      return (await request('create networkpolicies', opts, (config) =>
        networking.createNamespacedNetworkPolicy(
          { namespace, body: policy as AnyOptions },
          config as AnyOptions,
        ),
      )) as NetworkPolicyView;
    },
    async canI(attributes, opts) {
      return Promise.all(
        attributes.map(async (wanted) => {
          const review = await request('create selfsubjectaccessreviews', opts, (config) =>
            authorization.createSelfSubjectAccessReview(
              {
                body: {
                  apiVersion: 'authorization.k8s.io/v1',
                  kind: 'SelfSubjectAccessReview',
                  spec: {
                    resourceAttributes: {
                      namespace,
                      verb: wanted.verb,
                      group: wanted.group ?? '',
                      resource: wanted.resource,
                      ...(wanted.subresource ? { subresource: wanted.subresource } : {}),
                    },
                  },
                },
              },
              config as AnyOptions,
            ),
          );
          const reason = review.status?.reason;
          return { ...wanted, allowed: review.status?.allowed === true, ...(reason ? { reason } : {}) };
        }),
      );
    },
    async attach(name, handlers, opts) {
      const path =
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/attach?` +
        `container=${SANDBOX_CONTAINER}&stdin=true&stdout=true&stderr=true&tty=false`;
      // Only the handler's connect is used, which applies the kubeconfig's credentials and TLS to the WebSocket.
      // Its own streams (process stdio by default) would be ended by a close message of the server: give it
      // streams of its own that nothing reads.
      const handler = new k8s.WebSocketHandler(kc, undefined, {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      });
      let socket: WebSocketLike;
      const connecting = handler.connect(path, null, (channel, data) => {
        if (channel === 1) handlers.onStdout(data);
        else if (channel === 2) handlers.onStderr(data);
        else if (channel === 3) handlers.onStatus(readAttachStatus(data));
        return true;
      }) as unknown as Promise<WebSocketLike>;
      // A socket that opens after the caller gave up (timeout, abort) is closed at once.
      let abandoned = false;
      connecting.then(
        (late) => abandoned && late.close(),
        () => {},
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(apiError({ ...place, action: 'create pods/attach', timedOutAfterMs: opts.timeoutMs })),
          opts.timeoutMs,
        );
      });
      try {
        socket = await untilAborted(Promise.race([connecting, timeout]), opts.signal);
      } catch (error) {
        abandoned = true;
        if (opts.signal?.aborted) throw abortedError(opts.signal.reason);
        if (error instanceof ContainerRuntimeError) throw error;
        const text = networkMessage(error);
        const status = /Unexpected server response: (\d+)/.exec(text)?.[1];
        throw apiError({
          ...place,
          action: 'create pods/attach',
          status: status === undefined ? undefined : Number(status),
          message: text,
          cause: error,
        });
      } finally {
        clearTimeout(timer);
      }
      const ws = socket;
      ws.on('close', () => handlers.onClose());
      ws.on('error', () => {});
      return {
        protocol: ws.protocol,
        sendStdin(data) {
          if (ws.readyState === 1) ws.send(Buffer.concat([Buffer.from([0]), data]));
        },
        closeStdin() {
          if (ws.protocol !== 'v5.channel.k8s.io') return false;
          if (ws.readyState === 1) ws.send(Buffer.from([255, 0]));
          return true;
        },
        close: () => ws.close(),
        pause: () => ws.pause(),
        resume: () => ws.resume(),
      };
    },
  };
}

/** The part of a `ws` WebSocket the attach uses. */
interface WebSocketLike {
  readonly protocol: string;
  readonly readyState: number;
  send(data: Buffer): void;
  close(): void;
  pause(): void;
  resume(): void;
  on(event: 'close' | 'error', listener: (...args: unknown[]) => void): void;
}

function readAttachStatus(data: Buffer): AttachStatus {
  try {
    return JSON.parse(data.toString('utf8')) as AttachStatus;
  } catch {
    return { status: 'Failure', message: data.toString('utf8') };
  }
}

/** The message of a network error and of its causes (`fetch failed: connect ECONNREFUSED 127.0.0.1:6443`). */
function networkMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && message && !parts.includes(message)) parts.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(error);
}
