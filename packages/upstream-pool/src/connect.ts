import { stat } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type Implementation, McpError } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamError, withStderr } from './errors.js';
import { type ProcessExit, ProcessGroupStdioTransport } from './process-group-transport.js';
import { scopedSignal } from './scoped-signal.js';
import type { HttpTransportConfig, StdioTransportConfig, UpstreamServer } from './server-config.js';

/** How a connection actually talks: `http` servers end up on `streamable-http` or, after fallback, `sse`. */
export type ConnectionKind = 'stdio' | 'streamable-http' | 'sse';

/** A connected, initialised MCP client for one upstream server. */
export interface Connection {
  readonly client: Client;
  readonly kind: ConnectionKind;
  /** Process id (= process group id) of a stdio server. */
  readonly pid: number | undefined;
  /** How a stdio server's process ended, once it has. */
  readonly exit: ProcessExit | undefined;
  /** Why the connection stopped the server itself (a protocol violation such as an oversized message). */
  readonly failure: string | undefined;
  /** Ends the connection (and the stdio server's process group). Idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  clientInfo: Implementation;
  /** Budget for spawning/connecting plus `initialize`. */
  timeoutMs: number;
  /** Aborts the start (the pool is closing). */
  signal: AbortSignal;
  maxMessageBytes: number;
  closeGraceMs: number;
  onStderr: (chunk: string) => void;
  stderrTail: () => string[];
  /** The server sent `notifications/tools/list_changed` (debounced). */
  onToolsChanged: () => void;
  /** The connection ended by itself after it was established (not called for a failed start). */
  onClose: () => void;
  onTransportError: (error: Error) => void;
}

/** Answers on which legacy-SSE fallback is tried, as the MCP backwards-compatibility section describes. */
const FALLBACK_STATUSES = new Set([400, 404, 405]);

/** Connects to `server` and completes `initialize`; throws an `UpstreamError` that says what to fix. */
export async function openConnection(server: UpstreamServer, options: OpenOptions): Promise<Connection> {
  const transport = server.transport;
  if (transport.type === 'stdio') return openStdio(server.name, transport, options);
  if (transport.type === 'sse') return openSse(server.name, transport, options);
  try {
    return await openStreamableHttp(server.name, transport, options);
  } catch (error) {
    const status = error instanceof UpstreamError ? httpStatusOf(error.cause) : undefined;
    if (status === undefined || !FALLBACK_STATUSES.has(status)) throw error;
    return openSse(server.name, transport, options);
  }
}

async function openStdio(
  name: string,
  config: StdioTransportConfig,
  options: OpenOptions,
): Promise<Connection> {
  const commandLine = describeCommand(config);
  if (config.cwd !== undefined) {
    const isDirectory = await stat(config.cwd).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (!isDirectory) {
      throw new UpstreamError(
        'CWD_MISSING',
        `Upstream server "${name}" has cwd "${config.cwd}", which is not an existing directory: create it or fix "cwd" in the server's configuration.`,
        { server: name },
      );
    }
  }
  const transport = new ProcessGroupStdioTransport({
    command: config.command,
    args: config.args,
    env: { ...getDefaultEnvironment(), ...config.env },
    cwd: config.cwd,
    maxMessageBytes: options.maxMessageBytes,
    closeGraceMs: options.closeGraceMs,
    onStderr: options.onStderr,
  });
  const client = createClient(options);
  try {
    await connectClient(client, transport, options);
  } catch (error) {
    await transport.close();
    throw startError(name, `command "${commandLine}"`, error, options, transport.exit);
  }
  return established(client, 'stdio', options, {
    pid: () => transport.pid,
    exit: () => transport.exit,
    failure: () => transport.failure,
  });
}

async function openStreamableHttp(
  name: string,
  config: HttpTransportConfig,
  options: OpenOptions,
): Promise<Connection> {
  const transport = new StreamableHTTPClientTransport(new URL(config.url), {
    requestInit: { headers: config.headers },
  });
  const client = createClient(options);
  try {
    await connectClient(client, transport, options);
  } catch (error) {
    await client.close().catch(() => {});
    throw startError(name, config.url, error, options);
  }
  return established(client, 'streamable-http', options, {
    beforeClose: async () => {
      // Be polite: end the session on the server. Bounded, because the server may be gone.
      await Promise.race([transport.terminateSession().catch(() => {}), delay(1000)]);
    },
  });
}

async function openSse(name: string, config: HttpTransportConfig, options: OpenOptions): Promise<Connection> {
  const transport = new SSEClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
  const client = createClient(options);
  try {
    await connectClient(client, transport, options);
  } catch (error) {
    await client.close().catch(() => {});
    throw startError(name, `${config.url} (legacy SSE)`, error, options);
  }
  return established(client, 'sse', options, {});
}

/** `client.connect` with the start budget, cancelled by the pool's lifetime only while it runs. */
async function connectClient(client: Client, transport: Transport, options: OpenOptions): Promise<void> {
  const scoped = scopedSignal(options.signal);
  try {
    await client.connect(transport, { timeout: options.timeoutMs, signal: scoped.signal });
  } finally {
    scoped.dispose();
  }
}

function createClient(options: OpenOptions): Client {
  const client = new Client(options.clientInfo, {
    capabilities: {},
    // The SDK's own refresh reads only the first page; the pool refetches every page itself.
    listChanged: { tools: { autoRefresh: false, debounceMs: 50, onChanged: () => options.onToolsChanged() } },
  });
  client.onerror = (error) => options.onTransportError(error);
  return client;
}

function established(
  client: Client,
  kind: ConnectionKind,
  options: OpenOptions,
  parts: {
    pid?: () => number | undefined;
    exit?: () => ProcessExit | undefined;
    failure?: () => string | undefined;
    beforeClose?: () => Promise<void>;
  },
): Connection {
  let closing: Promise<void> | undefined;
  const connection: Connection = {
    client,
    kind,
    get pid() {
      return parts.pid?.();
    },
    get exit() {
      return parts.exit?.();
    },
    get failure() {
      return parts.failure?.();
    },
    close() {
      closing ??= (async () => {
        client.onclose = undefined;
        await parts.beforeClose?.();
        await client.close();
      })();
      return closing;
    },
  };
  client.onclose = () => options.onClose();
  // Closed between the end of `initialize` and now: report it rather than lose it.
  if (client.transport === undefined) queueMicrotask(() => options.onClose());
  return connection;
}

function startError(
  name: string,
  what: string,
  error: unknown,
  options: OpenOptions,
  exit?: ProcessExit,
): UpstreamError {
  const tail = options.stderrTail();
  const details = { server: name, stderrTail: tail, cause: error };
  if (error instanceof UpstreamError) return error;
  if (options.signal.aborted) {
    return new UpstreamError(
      'CLOSED',
      `Upstream server "${name}" was not started: the pool is closing.`,
      details,
    );
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  let reason: string;
  if (code === 'ENOENT') {
    reason = `${what} was not found. Install it, or fix "command" (or PATH) in the server's configuration.`;
  } else if (code === 'EACCES') {
    reason = `${what} is not executable. Fix its permissions or "command" in the server's configuration.`;
  } else if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    reason = `${what} did not answer initialize within ${options.timeoutMs} ms. Check that it speaks MCP, or raise startTimeoutMs.`;
  } else if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    const ended = exit ? ` (${describeExit(exit)})` : '';
    reason = `${what} exited before answering initialize${ended}. Check its arguments and environment; its stderr is below.`;
  } else if (httpStatusOf(error) === 401 || httpStatusOf(error) === 403) {
    reason = `${what} refused the connection with HTTP ${httpStatusOf(error)}. Check the credentials in "headers".`;
  } else if (httpStatusOf(error) !== undefined) {
    reason = `${what} answered with HTTP ${httpStatusOf(error)}: ${errorText(error)}. Check the URL.`;
  } else if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    reason = `${what} could not be reached (${errorText(error)}). Check that the server is running and the URL is right.`;
  } else {
    reason = `${what} failed to start: ${errorText(error)}.`;
  }
  return new UpstreamError('START_FAILED', withStderr(`Upstream server "${name}": ${reason}`, tail), details);
}

/** The HTTP status behind a transport error, if there is one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code > 0)
    return error.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Error && error.message.startsWith('SSE error') && typeof code === 'number')
    return code;
  return undefined;
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

function describeCommand(config: StdioTransportConfig): string {
  const text = [config.command, ...config.args].join(' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
