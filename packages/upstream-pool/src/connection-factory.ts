import { linkedSignal } from '@codexec/internal';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamError } from './errors.js';
import type { UpstreamServer } from './server-config.js';

/**
 * How a connection talks, as `status().connectedVia` shows it: the default factory's `stdio`, `streamable-http`
 * (an `http` server) or `sse` (an `sse` server, or an `http` server that fell back to legacy SSE); a connection
 * factory of your own names its own.
 */
export type ConnectionKind = 'stdio' | 'streamable-http' | 'sse' | (string & {});

/** What the pool hands a `ConnectionFactory` for one start of one server. */
export interface ConnectContext {
  /** Aborted when the pool closes while the server starts: stop, and end whatever was started. */
  readonly signal: AbortSignal;
  /** The start budget (`startTimeoutMs`); `initialize` keeps to it. */
  readonly timeoutMs: number;
  /**
   * Completes the MCP handshake over `transport` with the pool's client (its `clientInfo`, its handling of
   * `notifications/tools/list_changed`) within `timeoutMs`. On failure it closes `transport` and rethrows the
   * SDK's error, which the pool reports as `START_FAILED` (or `CLOSED` when the pool is closing).
   */
  initialize(transport: Transport): Promise<Client>;
  /** Hands the pool what the server wrote to stderr: kept for errors and `status()`, emitted as `stderr` events. */
  onStderr(chunk: string): void;
}

/** How a connection ended by itself, for the error that reports it. */
export interface ConnectionEnding {
  /** Completes "Upstream server "x" …": `exited (exit code 3)`. */
  text: string;
  /** It ended because the server broke the protocol (reported as `PROTOCOL_ERROR`, else `DISCONNECTED`). */
  protocolError?: boolean | undefined;
}

/** A connection a `ConnectionFactory` opened; the pool owns it from then on. */
export interface UpstreamConnection {
  /** The client `context.initialize()` returned. */
  readonly client: Client;
  readonly kind: ConnectionKind;
  /** Process id (and process group id) of a server that runs as a local process. */
  readonly pid?: number | undefined;
  /** Once the connection has ended by itself: how, if the factory knows more than "closed the connection". */
  ending?(): ConnectionEnding | undefined;
  /**
   * Ends the connection and whatever the factory started for it; called once.
   * @default client.close()
   */
  close?(): Promise<void>;
}

/**
 * Opens a connection to `server` and completes `initialize` through `context.initialize`. A thrown `UpstreamError`
 * is reported as it is; anything else becomes `START_FAILED`.
 */
export type ConnectionFactory = (
  server: UpstreamServer,
  context: ConnectContext,
) => Promise<UpstreamConnection>;

/** A connection as the pool uses it: `close()` is idempotent and never reports the end as a crash. */
export interface Connection {
  readonly client: Client;
  readonly kind: ConnectionKind;
  readonly pid: number | undefined;
  ending(): ConnectionEnding | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  clientInfo: Implementation;
  timeoutMs: number;
  /** The pool's lifetime: aborts the start when the pool closes. */
  signal: AbortSignal;
  onStderr: (chunk: string) => void;
  /** The server sent `notifications/tools/list_changed` (debounced). */
  onToolsChanged: () => void;
  /** The connection ended by itself after it was established (not called for a failed start). */
  onClose: () => void;
  onTransportError: (error: Error) => void;
}

/** Runs `factory` for `server`, checks what it returns, and wires the connection to the pool. */
export async function openConnection(
  factory: ConnectionFactory,
  server: UpstreamServer,
  options: OpenOptions,
): Promise<Connection> {
  const initialized = new Set<Client>();
  const context: ConnectContext = {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    onStderr: options.onStderr,
    initialize: async (transport) => {
      const client = createClient(options);
      // The SDK never removes the listener it adds to a request's signal: give it one that is unlinked after.
      const link = linkedSignal([options.signal]);
      try {
        await client.connect(transport, { timeout: options.timeoutMs, signal: link.signal });
      } catch (error) {
        await transport.close().catch(() => {});
        throw error;
      } finally {
        link.unlink();
      }
      initialized.add(client);
      return client;
    },
  };
  const opened = await factory(server, context);
  if (!initialized.has(opened.client)) {
    await (opened.close?.() ?? opened.client.close()).catch(() => {});
    throw new UpstreamError(
      'START_FAILED',
      `The connection factory for upstream server "${server.name}" returned a client that its context.initialize() did not create: return the client initialize() gives.`,
      { server: server.name },
    );
  }
  return adopt(opened, options.onClose);
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

function adopt(opened: UpstreamConnection, onClose: () => void): Connection {
  const { client } = opened;
  let closing: Promise<void> | undefined;
  const connection: Connection = {
    client,
    get kind() {
      return opened.kind;
    },
    get pid() {
      return opened.pid;
    },
    ending: () => opened.ending?.(),
    close() {
      closing ??= (async () => {
        client.onclose = undefined;
        await (opened.close ? opened.close() : client.close());
      })();
      return closing;
    },
  };
  client.onclose = () => onClose();
  // Closed between the end of `initialize` and now: report it rather than lose it.
  if (client.transport === undefined) queueMicrotask(() => onClose());
  return connection;
}
