import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IPod } from 'kubernetes-models/v1';
import { WebSocketServer } from 'ws';
import {
  type ApiStatus,
  alreadyExists,
  badRequest,
  failure,
  forbidden,
  invalid,
  notFound,
  unauthorized,
} from './api-status.js';
import { attachQuery, pickProtocol, serveAttach } from './attach.js';
import { InvalidPodError } from './errors.js';
import { kubeconfigFor } from './kubeconfig.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';
import { type Logger, silentLogger } from './logger.js';
import { type ContainerState, type Phase, PodRunner } from './pod-runner.js';
import { validatePod } from './pod-validation.js';
import { podmanRun } from './podman-args.js';

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
  /** Stops serving, and kills and removes every container the stand-in started. */
  close(): Promise<void>;
}

interface PodRecord {
  pod: IPod & { metadata: NonNullable<IPod['metadata']> };
  runner: PodRunner;
  deletionTimestamp?: string;
}

// The API server's limit on a request body (3 MiB); far above any pod.
const MAX_BODY = 3 * 2 ** 20;
const VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-codexec-stand-in',
  platform: 'linux/amd64',
};
const PODS_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(?:\/([^/]+))?)?$/;

class HttpError extends Error {
  constructor(readonly status: ApiStatus) {
    super(status.message);
  }
}

/**
 * Starts a stand-in of the Kubernetes API server on 127.0.0.1: the pod calls of /tmp/k8s/contract.md (create, get,
 * list by labels, delete, attach) and `GET /version`, each pod's container run with the local podman.
 */
export async function startKubeStandIn(options: KubeStandInOptions = {}): Promise<KubeStandIn> {
  const namespace = options.namespace ?? 'code-exec';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const podmanBinary = options.podman ?? 'podman';
  const logger = options.logger ?? silentLogger;
  const records = new Map<string, PodRecord>();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: pickProtocol });

  function authorize(request: IncomingMessage): void {
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new HttpError(unauthorized());
  }

  /** The pods route of a URL, with its namespace checked against the token's. */
  function route(url: URL): { name?: string; sub?: string } | undefined {
    const match = PODS_PATH.exec(url.pathname);
    if (!match) return undefined;
    const ns = decodeURIComponent(match[1]!);
    if (ns !== namespace) throw new HttpError(forbidden(ns));
    return {
      ...(match[2] === undefined ? {} : { name: decodeURIComponent(match[2]) }),
      ...(match[3] === undefined ? {} : { sub: match[3] }),
    };
  }

  function podView(record: PodRecord): Record<string, unknown> {
    const { runner, pod } = record;
    const state = runner.containerState;
    const container = pod.spec?.containers[0];
    return {
      ...pod,
      metadata: {
        ...pod.metadata,
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
    const body = await readJson(request);
    let pod: IPod;
    let run: ReturnType<typeof podmanRun>;
    const name = String((body as { metadata?: { name?: unknown } } | null)?.metadata?.name ?? '');
    try {
      pod = validatePod(body);
      const given = pod.metadata?.namespace;
      if (given !== undefined && given !== namespace) {
        throw new HttpError(
          badRequest('the namespace of the provided object does not match the namespace sent on the request'),
        );
      }
      run = podmanRun(pod);
    } catch (error) {
      if (error instanceof InvalidPodError) throw new HttpError(invalid(name, error.field, error.message));
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
        resourceVersion: '1',
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    const runner = new PodRunner({
      name,
      run,
      podman: podmanBinary,
      memoryLimited: pod.spec?.containers[0]?.resources?.limits?.memory !== undefined,
      log: (message) => logger.warn(message, { pod: name }),
    });
    records.set(name, { pod: stored, runner });
    void runner.start().catch((error: unknown) => {
      logger.error(`pod ${name} could not start: ${String(error)}`, { pod: name });
    });
    logger.info(`pod ${name} created`, { pod: name, args: run.args });
    return [201, { ...stored, status: { phase: 'Pending' } }];
  }

  function remove(record: PodRecord): Promise<void> {
    const name = record.pod.metadata.name!;
    record.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return record.runner.remove().finally(() => {
      if (records.get(name) === record) records.delete(name);
    });
  }

  async function handle(request: IncomingMessage, url: URL): Promise<[number, unknown]> {
    authorize(request);
    if (url.pathname === '/version' && request.method === 'GET') return [200, VERSION];
    const target = route(url);
    if (!target)
      throw new HttpError(failure(404, 'NotFound', 'the server could not find the requested resource'));
    const method = request.method ?? 'GET';
    if (target.sub !== undefined) {
      if (target.sub === 'attach') throw new HttpError(badRequest('Upgrade request required'));
      throw new HttpError(failure(404, 'NotFound', 'the server could not find the requested resource'));
    }
    if (target.name === undefined) {
      if (method === 'POST') return create(request);
      if (method === 'GET') return [200, list(url)];
    } else if (method === 'GET') {
      return [200, podView(found(target.name))];
    } else if (method === 'DELETE') {
      await drain(request);
      const record = found(target.name);
      void remove(record);
      return [200, podView(record)];
    }
    throw new HttpError(failure(405, 'MethodNotAllowed', `the server does not allow this method: ${method}`));
  }

  function list(url: URL): Record<string, unknown> {
    const requirements = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
    if (typeof requirements === 'string') throw new HttpError(badRequest(requirements));
    const items = [...records.values()]
      .filter((record) => matchesLabels(requirements, record.pod.metadata.labels ?? {}))
      .map(podView);
    return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items };
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    handle(request, url)
      .then(([code, body]) => send(response, code, body))
      .catch((error: unknown) => {
        if (error instanceof HttpError) return send(response, error.status.code, error.status);
        logger.error(`request ${request.method} ${url.pathname} failed: ${String(error)}`);
        send(response, 500, failure(500, 'InternalError', `Internal error occurred: ${String(error)}`));
      });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    try {
      authorize(request);
      const target = route(url);
      if (!target || target.name === undefined || target.sub !== 'attach') {
        throw new HttpError(failure(404, 'NotFound', 'the server could not find the requested resource'));
      }
      const record = found(target.name);
      const query = attachQuery(url);
      const containerName = record.pod.spec?.containers[0]?.name;
      if (query.container !== '' && query.container !== containerName) {
        throw new HttpError(badRequest(`container ${query.container} is not valid for pod ${target.name}`));
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

async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = await readText(request);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(badRequest('the body of the request is not JSON: send a v1 Pod as JSON'));
  }
}

/** Reads a body that carries nothing the stand-in uses (a DeleteOptions), so the connection can be reused. */
async function drain(request: IncomingMessage): Promise<void> {
  await readText(request);
}
