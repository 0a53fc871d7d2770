import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPod } from 'kubernetes-models/v1';
import { WebSocketServer } from 'ws';
import { reviewSelfAccess } from './access-review.js';
import {
  type ApiStatus,
  alreadyExists,
  badRequest,
  failure,
  forbidden,
  type GroupKind,
  invalid,
  NETWORK_POLICIES,
  notFound,
  rbacForbidden,
  unauthorized,
} from './api-status.js';
import { attachQuery, pickProtocol, serveAttach } from './attach.js';
import { InvalidObjectError } from './errors.js';
import { type Change, EventLog } from './event-log.js';
import { kubeconfigFor } from './kubeconfig.js';
import { matchesLabels, parseLabelSelector, type Requirement } from './label-selector.js';
import { type Logger, silentLogger } from './logger.js';
import { NetworkPolicyStore, validateNetworkPolicy } from './network-policy.js';
import { type ContainerState, type Phase, PodRunner } from './pod-runner.js';
import { validatePod } from './pod-validation.js';
import { podmanRun } from './podman-args.js';
import { type AccessAttributes, decideAccess, type Grant, serviceAccountUser } from './rbac.js';
import { type ResourceRequest, requestInfo } from './request-info.js';
import { parseWatchQuery } from './watch-query.js';

export interface KubeStandInOptions {
  /** The one namespace the token may use. @default 'code-exec' */
  namespace?: string | undefined;
  /** The bearer token clients must send. @default a random one */
  token?: string | undefined;
  /** The podman binary that runs the pods. @default 'podman' */
  podman?: string | undefined;
  logger?: Logger | undefined;
  /** Port on 127.0.0.1. @default 0 (any free one) */
  port?: number | undefined;
  /**
   * The rules of the Role the token is bound to in its namespace; every request is authorised against them, and
   * a refused one answers 403 `Forbidden` as RBAC does. @default everything allowed in the namespace
   */
  grants?: readonly Grant[] | undefined;
  /** NetworkPolicies the namespace has from the start (validated like a create). @default none */
  networkPolicies?: readonly INetworkPolicy[] | undefined;
  /**
   * How many changes of pods are kept for watches that start from a past resourceVersion; a watch from before them
   * gets a 410 Gone. @default 1000
   */
  eventHistory?: number | undefined;
}

/** A pod as the stand-in last saw it, for tests. */
export interface PodSnapshot {
  name: string;
  phase: Phase;
  state: ContainerState;
  labels: Record<string, string>;
  terminating: boolean;
}

export interface KubeStandIn {
  /** `http://127.0.0.1:PORT`, the cluster's server. */
  url: string;
  namespace: string;
  token: string;
  kubeconfig: Record<string, unknown>;
  /** Writes the kubeconfig as JSON (which is YAML) to `path`. */
  writeKubeconfig(path: string): Promise<void>;
  pods(): PodSnapshot[];
  /** The NetworkPolicies of the namespace, as stored (with uid, creationTimestamp, resourceVersion), by name. */
  networkPolicies(): INetworkPolicy[];
  /** Every authenticated API request so far (verb, resource, subresource, name, …), oldest first, for tests. */
  requests(): ResourceRequest[];
  /** Stops serving, and kills and removes every container the stand-in started. */
  close(): Promise<void>;
}

interface PodRecord {
  pod: IPod & { metadata: NonNullable<IPod['metadata']> };
  runner: PodRunner;
  deletionTimestamp?: string;
  /** The revision of the pod's last change. */
  resourceVersion: string;
}

/** A change of a pod, as watches are told it. */
interface PodChange {
  name: string;
  labels: Record<string, string>;
  view: Record<string, unknown>;
}

// The API server's limit on a request body (3 MiB); far above any pod.
const MAX_BODY = 3 * 2 ** 20;
const VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-codexec-stand-in',
  platform: 'linux/amd64',
};
const NO_ROUTE = () => failure(404, 'NotFound', 'the server could not find the requested resource');
const NETWORK_POLICY_KIND: GroupKind = { group: 'networking.k8s.io', kind: 'NetworkPolicy' };
// The pod subresources that open a stream: a WebSocket asks with a GET (verb get), SPDY with a POST (create).
const CONNECT_SUBRESOURCES = new Set(['attach', 'exec', 'portforward']);

class HttpError extends Error {
  constructor(readonly status: ApiStatus) {
    super(status.message);
  }
}

/**
 * Starts a stand-in of the Kubernetes API server on 127.0.0.1: the pod calls of /tmp/k8s/contract.md (create, get,
 * list by labels, delete, attach) and `GET /version`, each pod's container run with the local podman; NetworkPolicies
 * kept in memory; SelfSubjectAccessReviews; every request authorised against `grants`.
 * @throws {InvalidObjectError} for a seeded NetworkPolicy that is invalid or names another namespace.
 */
export async function startKubeStandIn(options: KubeStandInOptions = {}): Promise<KubeStandIn> {
  const namespace = options.namespace ?? 'code-exec';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const podmanBinary = options.podman ?? 'podman';
  const logger = options.logger ?? silentLogger;
  const records = new Map<string, PodRecord>();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: pickProtocol });
  const grants = options.grants?.map((grant) => ({ ...grant, verbs: [...grant.verbs] }));
  const user = serviceAccountUser(namespace);
  const policies = new NetworkPolicyStore(namespace);
  seedPolicies(policies, options.networkPolicies ?? []);
  const podChanges = new EventLog<PodChange>(options.eventHistory ?? 1000);
  const requestLog: ResourceRequest[] = [];

  /** The pod as watches are told it, now. */
  function podChange(record: PodRecord): PodChange {
    return {
      name: record.pod.metadata.name!,
      labels: { ...record.pod.metadata.labels },
      view: podView(record),
    };
  }

  /** Gives the pod the next revision and tells the watches. */
  function changed(record: PodRecord, type: Change<PodChange>['type']): void {
    podChanges.record(type, (revision) => {
      record.resourceVersion = String(revision);
      return podChange(record);
    });
  }

  function authenticate(request: IncomingMessage): void {
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new HttpError(unauthorized());
  }

  /**
   * Refuses what the token may not do, before any routing, as the API server's authorization filter does: another
   * namespace, then what the grants do not allow. A stream of a pod (attach) opened by a WebSocket's GET must be
   * allowed `create` too, as the API server checks since 1.35 (AuthorizePodWebsocketUpgradeCreatePermission).
   */
  function authorize(info: ResourceRequest): void {
    if (info.namespace !== '' && info.namespace !== namespace) {
      throw new HttpError(forbidden(info.namespace, info));
    }
    const check = (attributes: AccessAttributes) => {
      if (!decideAccess({ grants, namespace, attributes }).allowed) {
        throw new HttpError(rbacForbidden(user, attributes));
      }
    };
    check(info);
    if (info.group === '' && info.resource === 'pods' && CONNECT_SUBRESOURCES.has(info.subresource)) {
      if (info.verb !== 'create') check({ ...info, verb: 'create' });
    }
  }

  /** The resource request of an authenticated request, authorised; a path outside the API groups as it is. */
  function authorized(request: IncomingMessage, url: URL): ReturnType<typeof requestInfo> {
    authenticate(request);
    const info = requestInfo(request.method ?? 'GET', url);
    if (info.kind === 'resource') {
      requestLog.push(info);
      authorize(info);
    }
    return info;
  }

  function podView(record: PodRecord): Record<string, unknown> {
    const { runner, pod } = record;
    const state = runner.containerState;
    const container = pod.spec?.containers[0];
    return {
      ...pod,
      metadata: {
        ...pod.metadata,
        resourceVersion: record.resourceVersion,
        ...(record.deletionTimestamp
          ? { deletionTimestamp: record.deletionTimestamp, deletionGracePeriodSeconds: 0 }
          : {}),
      },
      status: {
        phase: runner.phase,
        containerStatuses: [
          {
            name: container?.name,
            ready: 'running' in state,
            restartCount: 0,
            image: container?.image,
            imageID: '',
            started: 'running' in state,
            state,
          },
        ],
      },
    };
  }

  function found(name: string): PodRecord {
    const record = records.get(name);
    if (!record) throw new HttpError(notFound(name));
    return record;
  }

  async function create(request: IncomingMessage): Promise<[number, unknown]> {
    const body = await readJson(request, 'a v1 Pod');
    let pod: IPod;
    let run: ReturnType<typeof podmanRun>;
    const name = String((body as { metadata?: { name?: unknown } } | null)?.metadata?.name ?? '');
    try {
      pod = validatePod(body);
      inNamespace(pod.metadata?.namespace, namespace);
      run = podmanRun(pod);
    } catch (error) {
      if (error instanceof InvalidObjectError) throw new HttpError(invalid(name, error.field, error.message));
      throw error;
    }
    if (records.has(name)) throw new HttpError(alreadyExists(name));
    const stored = {
      ...pod,
      metadata: {
        ...pod.metadata,
        name,
        namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    let created: PodRecord | undefined;
    const runner = new PodRunner({
      name,
      run,
      podman: podmanBinary,
      memoryLimited: pod.spec?.containers[0]?.resources?.limits?.memory !== undefined,
      log: (message) => logger.warn(message, { pod: name }),
      // A pod already gone from the store has no more changes to tell.
      onChange: () => {
        if (created && records.get(name) === created) changed(created, 'MODIFIED');
      },
    });
    const record: PodRecord = { pod: stored, runner, resourceVersion: '' };
    created = record;
    records.set(name, record);
    changed(record, 'ADDED');
    if (ownerMissing(record)) {
      logger.info(`pod ${name} has an owner that is not there: the garbage collector deletes it`, {
        pod: name,
      });
      // As the collector: soon after the create, not within it.
      setTimeout(() => void remove(record), 50);
    }
    void runner.start().catch((error: unknown) => {
      logger.error(`pod ${name} could not start: ${String(error)}`, { pod: name });
    });
    logger.info(`pod ${name} created`, { pod: name, args: run.args });
    return [
      201,
      {
        ...stored,
        metadata: { ...stored.metadata, resourceVersion: record.resourceVersion },
        status: { phase: 'Pending' },
      },
    ];
  }

  function remove(record: PodRecord): Promise<void> {
    const name = record.pod.metadata.name!;
    const first = record.deletionTimestamp === undefined;
    record.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (first && records.get(name) === record) changed(record, 'MODIFIED');
    // The garbage collector's background cascade: pods this one owns go too.
    const dependents = first ? [...records.values()].filter((other) => ownedBy(other, record)) : [];
    for (const dependent of dependents) {
      logger.info(`pod ${dependent.pod.metadata.name} deleted with its owner ${name}`, { pod: name });
    }
    return Promise.all([
      record.runner.remove().finally(() => {
        if (records.get(name) !== record) return;
        records.delete(name);
        changed(record, 'DELETED');
      }),
      ...dependents.map((dependent) => remove(dependent)),
    ]).then(() => {});
  }

  function ownedBy(record: PodRecord, owner: PodRecord): boolean {
    return (record.pod.metadata.ownerReferences ?? []).some(
      (ref) => ref.kind === 'Pod' && ref.uid === owner.pod.metadata.uid,
    );
  }

  /** An owner reference to a pod that is not there (no such name, or another uid): the collector deletes it. */
  function ownerMissing(record: PodRecord): boolean {
    return (record.pod.metadata.ownerReferences ?? []).some((ref) => {
      if (ref.kind !== 'Pod') return false;
      const owner = records.get(ref.name);
      return owner?.pod.metadata.uid !== ref.uid || owner.deletionTimestamp !== undefined;
    });
  }

  /** The answer to send, or undefined when the handler answered itself (a watch's stream). */
  async function handle(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<[number, unknown] | undefined> {
    const info = authorized(request, url);
    const method = request.method ?? 'GET';
    if (info.kind === 'path') {
      if (info.path === '/version' && method === 'GET') return [200, VERSION];
      throw new HttpError(NO_ROUTE());
    }
    if (info.verb === 'watch') {
      if (info.group === '' && info.resource === 'pods' && info.namespace !== '' && info.subresource === '') {
        watchPods(url, response);
        return undefined;
      }
      throw new HttpError(
        badRequest(
          `the stand-in serves watches of pods only: poll ${info.resource} with get or list instead`,
        ),
      );
    }
    const { group, version, resource } = info;
    if (group === '' && version === 'v1' && resource === 'pods' && info.namespace !== '') {
      return pods(request, url, info);
    }
    if (
      group === 'networking.k8s.io' &&
      version === 'v1' &&
      resource === 'networkpolicies' &&
      info.namespace !== ''
    ) {
      return networkPolicies(request, url, info);
    }
    if (
      group === 'authorization.k8s.io' &&
      version === 'v1' &&
      resource === 'selfsubjectaccessreviews' &&
      info.namespace === '' &&
      info.name === ''
    ) {
      if (method !== 'POST') throw new HttpError(methodNotAllowed(method));
      return review(request);
    }
    throw new HttpError(NO_ROUTE());
  }

  async function pods(request: IncomingMessage, url: URL, info: ResourceRequest): Promise<[number, unknown]> {
    const method = request.method ?? 'GET';
    if (info.subresource !== '') {
      if (info.subresource === 'attach') throw new HttpError(badRequest('Upgrade request required'));
      throw new HttpError(NO_ROUTE());
    }
    if (info.name === '') {
      if (method === 'POST') return create(request);
      if (method === 'GET') return [200, list(url)];
    } else if (method === 'GET') {
      return [200, podView(found(info.name))];
    } else if (method === 'DELETE') {
      await drain(request);
      const record = found(info.name);
      void remove(record);
      return [200, podView(record)];
    }
    throw new HttpError(methodNotAllowed(method));
  }

  function list(url: URL): Record<string, unknown> {
    const requirements = selector(url);
    const items = [...records.values()]
      .filter((record) => matchesLabels(requirements, record.pod.metadata.labels ?? {}))
      .map(podView);
    return {
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: { resourceVersion: String(podChanges.revision) },
      items,
    };
  }

  /**
   * Streams the changes of the pods the query selects, one JSON event a line, as the API server does: from the given
   * resourceVersion on, or the pods there are now as ADDED first when none is given. A resourceVersion older than
   * the kept history gets a 410 Gone Status as an ERROR event, and the end of the stream.
   */
  function watchPods(url: URL, response: ServerResponse): void {
    const query = parseWatchQuery(url.searchParams);
    if (typeof query === 'string') throw new HttpError(badRequest(query));
    const selected = (change: PodChange): boolean =>
      (query.name === undefined || change.name === query.name) && matchesLabels(query.labels, change.labels);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
    response.flushHeaders();
    const write = (type: string, object: unknown): void => {
      response.write(`${JSON.stringify({ type, object })}\n`);
    };
    let past: Change<PodChange>[] | 'expired';
    if (query.resourceVersion === undefined) {
      past = [...records.values()].map((record) => ({
        revision: Number(record.resourceVersion),
        type: 'ADDED' as const,
        object: podChange(record),
      }));
    } else {
      past = podChanges.since(query.resourceVersion);
    }
    if (past === 'expired') {
      const status = failure(
        410,
        'Expired',
        `too old resource version: ${query.resourceVersion} (${podChanges.oldest})`,
      );
      write('ERROR', status);
      response.end();
      return;
    }
    for (const change of past) if (selected(change.object)) write(change.type, change.object.view);
    const unsubscribe = podChanges.subscribe((change) => {
      if (selected(change.object)) write(change.type, change.object.view);
    });
    const timer = setTimeout(() => response.end(), query.timeoutSeconds * 1000);
    response.once('close', () => {
      unsubscribe();
      clearTimeout(timer);
    });
  }

  async function networkPolicies(
    request: IncomingMessage,
    url: URL,
    info: ResourceRequest,
  ): Promise<[number, unknown]> {
    const method = request.method ?? 'GET';
    if (info.subresource !== '') throw new HttpError(NO_ROUTE());
    if (info.name === '') {
      if (method === 'POST') return createPolicy(request);
      if (method === 'GET') {
        const items = policies.list(selector(url));
        const metadata = { resourceVersion: policies.revision };
        return [200, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', metadata, items }];
      }
    } else if (method === 'GET') {
      const policy = policies.get(info.name);
      if (!policy) throw new HttpError(notFound(info.name, NETWORK_POLICIES));
      return [200, policy];
    } else if (method === 'DELETE') {
      await drain(request);
      const policy = policies.delete(info.name);
      if (!policy) throw new HttpError(notFound(info.name, NETWORK_POLICIES));
      // A kind deleted at once answers with a Status naming what went, not with the object (as pods do).
      const details = { name: info.name, ...NETWORK_POLICIES_DETAILS, uid: policy.metadata.uid };
      return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }];
    }
    throw new HttpError(methodNotAllowed(method));
  }

  async function createPolicy(request: IncomingMessage): Promise<[number, unknown]> {
    const body = await readJson(request, 'a networking.k8s.io/v1 NetworkPolicy');
    const name = String((body as { metadata?: { name?: unknown } } | null)?.metadata?.name ?? '');
    let policy: ReturnType<typeof validateNetworkPolicy>;
    try {
      policy = validateNetworkPolicy(body);
    } catch (error) {
      if (error instanceof InvalidObjectError) {
        throw new HttpError(invalid(name, error.field, error.message, NETWORK_POLICY_KIND));
      }
      throw error;
    }
    inNamespace(policy.metadata.namespace, namespace);
    const stored = policies.create(policy);
    if (!stored) throw new HttpError(alreadyExists(name, NETWORK_POLICIES));
    logger.info(`networkpolicy ${name} created`, { networkPolicy: name });
    return [201, stored];
  }

  async function review(request: IncomingMessage): Promise<[number, unknown]> {
    const body = await readJson(request, 'an authorization.k8s.io/v1 SelfSubjectAccessReview');
    try {
      return [201, reviewSelfAccess(body, { grants, namespace })];
    } catch (error) {
      if (error instanceof InvalidObjectError) {
        const kind = { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' };
        throw new HttpError(invalid('', error.field, error.message, kind));
      }
      throw error;
    }
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    handle(request, url, response)
      .then((answer) => answer && send(response, ...answer))
      .catch((error: unknown) => {
        if (error instanceof HttpError) return send(response, error.status.code, error.status);
        logger.error(`request ${request.method} ${url.pathname} failed: ${String(error)}`);
        send(response, 500, failure(500, 'InternalError', `Internal error occurred: ${String(error)}`));
      });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    try {
      const info = authorized(request, url);
      if (
        info.kind !== 'resource' ||
        info.group !== '' ||
        info.resource !== 'pods' ||
        info.name === '' ||
        info.subresource !== 'attach'
      ) {
        throw new HttpError(NO_ROUTE());
      }
      const record = found(info.name);
      const query = attachQuery(url);
      const containerName = record.pod.spec?.containers[0]?.name;
      if (query.container !== '' && query.container !== containerName) {
        throw new HttpError(badRequest(`container ${query.container} is not valid for pod ${info.name}`));
      }
      if (query.tty) throw new HttpError(badRequest('the stand-in attaches without a tty: tty=false'));
      if (!query.stdin && !query.stdout && !query.stderr) {
        throw new HttpError(badRequest('you must specify at least 1 of stdin, stdout, stderr'));
      }
      const refusal = record.deletionTimestamp
        ? 'pod is not running (terminating)'
        : record.runner.attachRefusal();
      if (refusal !== undefined) throw new HttpError(badRequest(refusal));
      wss.handleUpgrade(request, socket, head, (ws) => {
        serveAttach(ws, record.runner, query, request);
      });
    } catch (error) {
      const status =
        error instanceof HttpError
          ? error.status
          : failure(500, 'InternalError', `Internal error occurred: ${error}`);
      const body = JSON.stringify(status);
      socket.end(
        `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = kubeconfigFor({ url, token, namespace });
  logger.info(`Kubernetes stand-in listening on ${url}, namespace ${namespace}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    namespace,
    token,
    kubeconfig,
    writeKubeconfig: (path) => writeFile(path, `${JSON.stringify(kubeconfig, null, 2)}\n`, { mode: 0o600 }),
    networkPolicies: () => policies.list(),
    requests: () => requestLog.map((info) => ({ ...info })),
    pods: () =>
      [...records.values()].map((record) => ({
        name: record.pod.metadata.name!,
        phase: record.runner.phase,
        state: record.runner.containerState,
        labels: { ...(record.pod.metadata.labels ?? {}) },
        terminating: record.deletionTimestamp !== undefined,
      })),
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        await Promise.all([...records.values()].map(remove));
        wss.close();
        await stopped;
      })();
      return closing;
    },
  };
}

/**
 * Stores the seeded policies, each checked as a create would be.
 * @throws {InvalidObjectError} naming the seed (`networkPolicies[1].spec…`) that is invalid, names another namespace
 * or repeats a name.
 */
function seedPolicies(store: NetworkPolicyStore, seeds: readonly INetworkPolicy[]): void {
  for (const [index, seed] of seeds.entries()) {
    try {
      const policy = validateNetworkPolicy(seed);
      const given = policy.metadata.namespace;
      if (given !== undefined && given !== store.namespace) {
        throw new InvalidObjectError(
          'metadata.namespace',
          `Invalid value: "${given}": the stand-in's namespace is "${store.namespace}"`,
        );
      }
      if (!store.create(policy)) {
        throw new InvalidObjectError('metadata.name', `Duplicate value: "${policy.metadata.name}"`);
      }
    } catch (error) {
      if (error instanceof InvalidObjectError) {
        throw new InvalidObjectError(`networkPolicies[${index}].${error.field}`, error.detail);
      }
      throw error;
    }
  }
}

const NETWORK_POLICIES_DETAILS = { group: NETWORK_POLICIES.group, kind: NETWORK_POLICIES.resource };

const methodNotAllowed = (method: string): ApiStatus =>
  failure(405, 'MethodNotAllowed', `the server does not allow this method: ${method}`);

/** The label selector of a list, read as the stand-in reads them (equality terms). */
function selector(url: URL): Requirement[] {
  const requirements = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
  if (typeof requirements === 'string') throw new HttpError(badRequest(requirements));
  return requirements;
}

/** Refuses an object whose `metadata.namespace` is not the request's, as the API server does. */
function inNamespace(given: string | undefined, namespace: string): void {
  if (given !== undefined && given !== namespace) {
    throw new HttpError(
      badRequest('the namespace of the provided object does not match the namespace sent on the request'),
    );
  }
}

function send(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new HttpError(failure(413, 'RequestEntityTooLarge', 'the request is too large'));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(request: IncomingMessage, what: string): Promise<unknown> {
  const text = await readText(request);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(badRequest(`the body of the request is not JSON: send ${what} as JSON`));
  }
}

/** Reads a body that carries nothing the stand-in uses (a DeleteOptions), so the connection can be reused. */
async function drain(request: IncomingMessage): Promise<void> {
  await readText(request);
}
