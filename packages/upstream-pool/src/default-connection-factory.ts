import { stat } from 'node:fs/promises';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ConnectContext, ConnectionFactory, UpstreamConnection } from './connection-factory.js';
import { UpstreamError } from './errors.js';
import { type ProcessExit, ProcessGroupStdioTransport } from './process-group-transport.js';
import type { HttpTransportConfig, StdioTransportConfig } from './server-config.js';

export interface DefaultConnectionSettings {
  /** Largest message accepted from a stdio server. */
  maxMessageBytes: number;
  /** How long closing a stdio server waits after stdin closes, and again after SIGTERM. */
  closeGraceMs: number;
}

// The SDK's client transports are loaded when a server first needs one, not with the pool: the HTTP ones bring the
// OAuth and event-stream code (some 30 ms of loading here), which a program that embeds the pool (the bridge,
// answering `initialize`) should not wait for, nor load at all when every server is stdio.
let stdioModule: Promise<typeof import('@modelcontextprotocol/sdk/client/stdio.js')> | undefined;
let streamableHttpModule:
  | Promise<typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js')>
  | undefined;
let sseModule: Promise<typeof import('@modelcontextprotocol/sdk/client/sse.js')> | undefined;
const stdioClient = () => (stdioModule ??= import('@modelcontextprotocol/sdk/client/stdio.js'));
const streamableHttpClient = () =>
  (streamableHttpModule ??= import('@modelcontextprotocol/sdk/client/streamableHttp.js'));
const sseClient = () => (sseModule ??= import('@modelcontextprotocol/sdk/client/sse.js'));

/** Answers on which legacy-SSE fallback is tried, as the MCP backwards-compatibility section describes. */
const FALLBACK_STATUSES = new Set([400, 404, 405]);

/**
 * The pool's default way to reach a server: stdio servers as the leader of their own process group, `http` over
 * Streamable HTTP with fallback to legacy SSE, `sse` over legacy SSE. Start failures are `UpstreamError`s that
 * say what to fix (the pool adds the server's last stderr lines).
 */
export function defaultConnectionFactory(settings: DefaultConnectionSettings): ConnectionFactory {
  return async (server, context) => {
    const transport = server.transport;
    if (transport.type === 'stdio') return openStdio(server.name, transport, context, settings);
    if (transport.type === 'sse') return openSse(server.name, transport, context);
    try {
      return await openStreamableHttp(server.name, transport, context);
    } catch (error) {
      const status = error instanceof UpstreamError ? httpStatusOf(error.cause) : undefined;
      if (status === undefined || !FALLBACK_STATUSES.has(status)) throw error;
      return openSse(server.name, transport, context);
    }
  };
}

async function openStdio(
  name: string,
  config: StdioTransportConfig,
  context: ConnectContext,
  settings: DefaultConnectionSettings,
): Promise<UpstreamConnection> {
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
  const { getDefaultEnvironment } = await stdioClient();
  const transport = new ProcessGroupStdioTransport({
    command: config.command,
    args: config.args,
    env: { ...getDefaultEnvironment(), ...config.env },
    cwd: config.cwd,
    maxMessageBytes: settings.maxMessageBytes,
    closeGraceMs: settings.closeGraceMs,
    onStderr: context.onStderr,
  });
  try {
    const client = await context.initialize(transport);
    return {
      client,
      kind: 'stdio',
      get pid() {
        return transport.pid;
      },
      ending: () => {
        if (transport.failure) return { text: `${transport.failure} and was stopped`, protocolError: true };
        if (transport.exit) return { text: `exited (${describeExit(transport.exit)})` };
        return undefined;
      },
    };
  } catch (error) {
    throw startError(name, `command "${describeCommand(config)}"`, error, context, transport.exit);
  }
}

async function openStreamableHttp(
  name: string,
  config: HttpTransportConfig,
  context: ConnectContext,
): Promise<UpstreamConnection> {
  const { StreamableHTTPClientTransport } = await streamableHttpClient();
  const transport = new StreamableHTTPClientTransport(new URL(config.url), {
    requestInit: { headers: config.headers },
  });
  try {
    const client = await context.initialize(transport);
    return {
      client,
      kind: 'streamable-http',
      close: async () => {
        // Be polite: end the session on the server. Bounded, because the server may be gone.
        await Promise.race([transport.terminateSession().catch(() => {}), delay(1000)]);
        await client.close();
      },
    };
  } catch (error) {
    throw startError(name, config.url, error, context);
  }
}

async function openSse(
  name: string,
  config: HttpTransportConfig,
  context: ConnectContext,
): Promise<UpstreamConnection> {
  const { SSEClientTransport } = await sseClient();
  const transport = new SSEClientTransport(new URL(config.url), { requestInit: { headers: config.headers } });
  try {
    return { client: await context.initialize(transport), kind: 'sse' };
  } catch (error) {
    throw startError(name, `${config.url} (legacy SSE)`, error, context);
  }
}

/** A start failure as `START_FAILED`, saying what to fix. */
function startError(
  name: string,
  what: string,
  error: unknown,
  context: ConnectContext,
  exit?: ProcessExit,
): UpstreamError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  let reason: string;
  if (code === 'ENOENT') {
    reason = `${what} was not found. Install it, or fix "command" (or PATH) in the server's configuration.`;
  } else if (code === 'EACCES') {
    reason = `${what} is not executable. Fix its permissions or "command" in the server's configuration.`;
  } else if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    reason = `${what} did not answer initialize within ${context.timeoutMs} ms. Check that it speaks MCP, or raise startTimeoutMs.`;
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
  return new UpstreamError('START_FAILED', `Upstream server "${name}": ${reason}`, {
    server: name,
    cause: error,
  });
}

/**
 * The HTTP status behind a transport error, if there is one: the SDK's `StreamableHTTPError` and legacy SSE errors
 * carry it as `code`, and are told by their message (not by class, so that the HTTP transports need not be loaded).
 */
function httpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'number' || code <= 0) return undefined;
  return /^(Streamable HTTP error|SSE error)/.test(error.message) ? code : undefined;
}

function describeExit(exit: ProcessExit): string {
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
