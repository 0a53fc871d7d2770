import { randomUUID } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  hostHeaderValidation,
  localhostHostValidation,
} from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express from 'express';
import { CONSOLE_PATH, type ConsoleState, handleConsole } from '../console/console-page.js';
import { BridgeError } from '../errors.js';
import { allowedHostNames, originAllowed, tokenMatches } from '../http-guards.js';
import type { Logger } from '../logger.js';
import { DEFAULT_HTTP_MAX_BODY_BYTES } from '../settings.js';

export interface HttpServeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string | undefined;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  /** Makes the MCP server of one new client session. */
  createSession: () => Server;
  /**
   * A client session with no request for this long is ended, as a DELETE would end it (its sandbox sessions and
   * their containers go with it); a client that comes back is told to initialize again (404).
   * @default never
   */
  sessionIdleTimeoutMs?: number | undefined;
  /** Largest request body read, in bytes; a larger one is answered 413 with a JSON-RPC error. @default 4 MiB */
  maxBodyBytes?: number | undefined;
  /**
   * How this bridge names itself when a request carries a session it does not know (with several replicas, the
   * session may be another's). @default the host name (a pod's name in Kubernetes)
   */
  instanceName?: string | undefined;
  /** What the console at `/console` shows; no console when left out. */
  consoleState?: (() => ConsoleState) | undefined;
  logger: Logger;
  signal?: AbortSignal;
}

export interface HttpServing {
  /** `http://host:port/mcp` */
  url: string;
  port: number;
  /** Sessions currently open. */
  sessions(): number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  /** When the last request ended (or began, while `active` > 0). */
  lastSeen: number;
  /** Requests (and open GET streams) in progress. */
  active: number;
}

type Req = IncomingMessage & { body?: unknown };
type Next = (error?: unknown) => void;

const MCP_PATH = '/mcp';
// Far enough ahead that the SDK's bearer middleware, which insists on an expiry, never sees the static token expire.
const NEVER_EXPIRES = 32_503_680_000;

/**
 * Serves MCP over Streamable HTTP: one MCP server per client session, Host and Origin validation against DNS
 * rebinding, and a bearer token when one is configured.
 */
export async function serveHttp(options: HttpServeOptions): Promise<HttpServing> {
  const { logger } = options;
  const hosts = allowedHostNames(options.host, options.allowedHosts);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES;
  const instanceName = options.instanceName ?? hostname();
  // As the SDK's `createMcpExpressApp` builds it, but with a body limit of our own (express's default is 100 kB,
  // which refuses a run_python call with a long program): the Host header is checked (DNS rebinding) before the
  // body is read.
  const app = express();
  app.use(hosts ? hostHeaderValidation(hosts) : localhostHostValidation());
  app.use(express.json({ limit: maxBodyBytes }));

  app.use((req: Req, res: ServerResponse, next: Next) => {
    const origin = req.headers.origin;
    if (originAllowed(origin, { hosts, origins: options.allowedOrigins })) return next();
    logger.warn('refused a request from a browser origin', { origin });
    sendJsonRpcError(res, 403, `Origin ${origin} is not allowed; add it to MCP_BRIDGE_HTTP_ALLOWED_ORIGINS.`);
  });

  // The console checks the token itself: a browser opens it with `?token=`, and its page then sends the header.
  const consoleState = options.consoleState;
  if (consoleState) {
    app.get([CONSOLE_PATH, `${CONSOLE_PATH}/state`], (req: Req, res: ServerResponse, next: Next) => {
      if (!handleConsole(req, res, { token: options.token, state: consoleState })) next();
    });
  }

  if (options.token) {
    const token = options.token;
    app.use(
      requireBearerAuth({
        verifier: {
          async verifyAccessToken(presented: string) {
            if (!tokenMatches(presented, token)) throw new InvalidTokenError('Invalid bearer token');
            return { token: presented, clientId: 'bearer-token', scopes: [], expiresAt: NEVER_EXPIRES };
          },
        },
      }),
    );
  }

  const sessions = new Map<string, Session>();
  /** Counts a request as activity of its session until its response is done. */
  const track = (session: Session, res: ServerResponse): void => {
    session.active += 1;
    session.lastSeen = Date.now();
    res.once('close', () => {
      session.active -= 1;
      session.lastSeen = Date.now();
    });
  };

  app.post(MCP_PATH, async (req: Req, res: ServerResponse) => {
    const id = sessionHeader(req);
    try {
      if (id) {
        const session = sessions.get(id);
        // 404 is what makes a client start a new session (the MCP specification).
        if (!session) return sendJsonRpcError(res, 404, unknownSessionMessage(id, instanceName));
        track(session, res);
        return await session.transport.handleRequest(req, res, req.body);
      }
      if (!isInitializeRequest(req.body)) {
        return sendJsonRpcError(res, 400, 'No session: the first request of a client must be initialize.');
      }
      const server = options.createSession();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => {
          sessions.set(sessionId, { transport, server, lastSeen: Date.now(), active: 0 });
          logger.info('http session opened', { session: sessionId, open: sessions.size });
        },
      });
      transport.onclose = () => {
        const sessionId = transport.sessionId;
        if (sessionId && sessions.delete(sessionId)) {
          logger.info('http session closed', { session: sessionId, open: sessions.size });
        }
        server.close().catch(() => {});
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      logger.error('http request failed', { error });
      if (!res.headersSent) sendJsonRpcError(res, 500, 'Internal error; see the bridge log.');
    }
  });

  const onStream = async (req: Req, res: ServerResponse) => {
    const id = sessionHeader(req);
    const session = id ? sessions.get(id) : undefined;
    if (!session)
      return sendJsonRpcError(
        res,
        id ? 404 : 400,
        id ? unknownSessionMessage(id, instanceName) : 'Missing mcp-session-id header.',
      );
    track(session, res);
    try {
      await session.transport.handleRequest(req, res);
    } catch (error) {
      logger.error('http request failed', { error });
      if (!res.headersSent) sendJsonRpcError(res, 500, 'Internal error; see the bridge log.');
    }
  };
  app.get(MCP_PATH, onStream);
  app.delete(MCP_PATH, onStream);
  // A body that is too large or not JSON gets a JSON-RPC error, not express's HTML page.
  app.use((error: { type?: string; status?: number }, _req: Req, res: ServerResponse, next: Next) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.too.large') {
      logger.warn('refused a request body over the limit', { maxBodyBytes });
      return sendJsonRpcError(
        res,
        413,
        `The request body is larger than ${maxBodyBytes} bytes; raise MCP_BRIDGE_HTTP_MAX_BODY, or send less (a shorter program).`,
      );
    }
    if (error.type === 'entity.parse.failed') {
      return sendJsonRpcError(res, 400, 'The request body is not JSON.', -32700);
    }
    logger.error('http request failed', { error });
    sendJsonRpcError(res, error.status ?? 500, 'Internal error; see the bridge log.');
  });

  const http: HttpServer = await new Promise((resolve, reject) => {
    const listener = app.listen(options.port, options.host);
    listener.once('listening', () => resolve(listener));
    listener.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new BridgeError(
          'LISTEN_FAILED',
          `Cannot listen on ${options.host}:${options.port} (${error.code ?? error.message}): pick another port with --port or MCP_BRIDGE_HTTP_PORT.`,
          { cause: error },
        ),
      ),
    );
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}${MCP_PATH}`;

  const idleMs = options.sessionIdleTimeoutMs;
  const sweeper =
    idleMs === undefined
      ? undefined
      : setInterval(
          () => {
            const now = Date.now();
            for (const [id, session] of sessions) {
              if (session.active > 0 || now - session.lastSeen < idleMs) continue;
              logger.info('http session expired', { session: id, idleMs: now - session.lastSeen });
              sessions.delete(id);
              session.transport.close().catch(() => {});
            }
          },
          Math.max(250, Math.min(60_000, Math.floor(idleMs / 4))),
        );
  sweeper?.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    clearInterval(sweeper);
    closing ??= (async () => {
      for (const { transport } of [...sessions.values()]) await transport.close().catch(() => {});
      sessions.clear();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    })();
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });

  return { url, port, sessions: () => sessions.size, close };
}

/**
 * The answer to a session id this bridge does not know. With several replicas behind a load balancer the cause can
 * be routing as well as an ended session, so it names this instance and says how requests must be routed. Pure.
 */
export function unknownSessionMessage(id: string, instanceName: string): string {
  return (
    `Unknown session ${id}: this bridge instance (${instanceName}) has no such session. It may have ended, or ` +
    'been opened on another instance or before this one restarted; initialize a new session. With several bridge replicas ' +
    'behind a load balancer, every request of a client must reach the instance that opened its session: route ' +
    "by the client's address, not by the Mcp-Session-Id header, which the first request (initialize) does not " +
    'carry (see "Several replicas" in the bridge\'s README).'
  );
}

function sessionHeader(req: IncomingMessage): string | undefined {
  const value = req.headers['mcp-session-id'];
  return Array.isArray(value) ? value[0] : value;
}

function sendJsonRpcError(res: ServerResponse, status: number, message: string, code = -32000): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
