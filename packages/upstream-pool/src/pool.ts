import { createRequire } from 'node:module';
import { linkedSignal, untilAborted } from '@codexec/internal';
import {
  type CallToolResult,
  type Implementation,
  McpError,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ConnectionKind } from './connection-factory.js';
import { defaultConnectionFactory } from './default-connection-factory.js';
import { callError, closedError, lostCallError, operationError } from './error-mapping.js';
import { UpstreamError, type UpstreamErrorCode } from './errors.js';
import {
  type CallOutcome,
  EventHub,
  type ServerState,
  type UpstreamEventOf,
  type UpstreamEventType,
} from './events.js';
import { silentLogger } from './logger.js';
import {
  type CallToolOptions,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_STDERR_LINES,
  resolveTuning,
  type SignalOptions,
  type UpstreamPoolOptions,
} from './options.js';
import { DEFAULT_RESTART_POLICY } from './restart-policy.js';
import { type Live, type PoolRuntime, Slot } from './slot.js';
import { fetchTools } from './tool-list.js';

/** What a server offers: every tool across every page of `tools/list`, and what it said in `initialize`. */
export interface ServerMetadata {
  server: string;
  tools: Tool[];
  serverInfo: Implementation | undefined;
  instructions: string | undefined;
  capabilities: ServerCapabilities | undefined;
}

/** A snapshot of one configured server. */
export interface ServerStatus {
  name: string;
  /** The configured transport. */
  transport: 'stdio' | 'http' | 'sse';
  /** How the live connection talks (an `http` server may have fallen back to `sse`). */
  connectedVia: ConnectionKind | undefined;
  state: ServerState;
  /** Process id (and process group id) of a running stdio server. */
  pid: number | undefined;
  /** Restarts after a crash or a failed start, since the pool was created. */
  restarts: number;
  lastError: { code: UpstreamErrorCode; message: string } | undefined;
  /** Number of tools, once they have been listed. */
  toolCount: number | undefined;
  /** Calls running and waiting in the queue. */
  active: number;
  queued: number;
  stderrTail: string[];
}

export interface UpstreamPool {
  /** Names of the configured servers, in configuration order. */
  readonly serverNames: readonly string[];
  /**
   * Starts the server now, instead of on first use.
   * @throws {UpstreamError} `SERVER_UNKNOWN`, `SERVER_DISABLED`, `START_FAILED`, `CWD_MISSING`, `RESTART_LIMIT`,
   * `ABORTED` (the signal), `CLOSED`.
   */
  connect(server: string, options?: SignalOptions): Promise<void>;
  /**
   * All of the server's tools (every page), cached until the server reports a change or restarts.
   * @throws {UpstreamError} what `connect` throws, and `TIMEOUT` (`listTimeoutMs`), `RPC_ERROR`, `PROTOCOL_ERROR`
   * (a looping cursor), `DISCONNECTED`.
   */
  metadata(server: string, options?: SignalOptions): Promise<ServerMetadata>;
  /**
   * Calls a tool. A tool failure is a result with `isError: true`; everything else throws.
   * @throws {UpstreamError} what `connect` throws, and `TIMEOUT`, `ABORTED`, `DISCONNECTED` (the connection
   * ended during the call), `RPC_ERROR`, `PROTOCOL_ERROR` (an invalid result, an oversized message).
   */
  callTool(
    server: string,
    tool: string,
    args?: Record<string, unknown>,
    options?: CallToolOptions,
  ): Promise<CallToolResult>;
  status(): ServerStatus[];
  /** Subscribes to one kind of event; returns the function that unsubscribes. */
  on<T extends UpstreamEventType>(type: T, listener: (event: UpstreamEventOf<T>) => void): () => void;
  /**
   * Ends every connection and every server process (with its process group). Calls in flight fail with
   * `CLOSED`. Idempotent.
   * @throws {UpstreamError} `ABORTED` when `signal` aborts first: that stops the waiting, not the closing.
   */
  close(options?: SignalOptions): Promise<void>;
}

/** This package's version, for `clientInfo`; unknown when a bundler moved the code away from package.json. */
const packageVersion: string = (() => {
  try {
    return String(createRequire(import.meta.url)('../package.json').version);
  } catch {
    return '0.0.0';
  }
})();

/**
 * Creates a pool of MCP client connections to `servers`. Nothing starts until it is used.
 * @throws {UpstreamError} `SERVER_UNKNOWN` when two servers share a name.
 */
export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  return new Pool(options);
}

class Pool implements UpstreamPool {
  readonly serverNames: readonly string[];
  private readonly slots = new Map<string, Slot>();
  private readonly events: EventHub;
  private readonly lifetime = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(options: UpstreamPoolOptions) {
    const logger = options.logger ?? silentLogger;
    this.events = new EventHub(logger, options.onEvent);
    const runtime: PoolRuntime = {
      logger,
      events: this.events,
      lifetime: this.lifetime.signal,
      restartPolicy: { ...DEFAULT_RESTART_POLICY, ...options.restart },
      clientInfo: options.clientInfo ?? { name: 'codexec-upstream-pool', version: packageVersion },
      connect:
        options.connect ??
        defaultConnectionFactory({
          maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
          closeGraceMs: options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
        }),
      stderrLines: options.stderrLines ?? DEFAULT_STDERR_LINES,
    };
    for (const server of options.servers) {
      if (this.slots.has(server.name)) {
        throw new UpstreamError(
          'SERVER_UNKNOWN',
          `Two upstream servers are named "${server.name}": give each server a unique name.`,
          { server: server.name },
        );
      }
      this.slots.set(server.name, new Slot(server, resolveTuning(options, server.name), runtime));
    }
    this.serverNames = [...this.slots.keys()];
  }

  on<T extends UpstreamEventType>(type: T, listener: (event: UpstreamEventOf<T>) => void): () => void {
    return this.events.on(type, listener);
  }

  async connect(server: string, options: SignalOptions = {}): Promise<void> {
    const slot = this.slotFor(server);
    await slot.use(async () => {
      try {
        await untilAborted(slot.connection(), options.signal);
      } catch (error) {
        throw this.operationError(slot, error, options.signal, 'start');
      }
    });
  }

  async metadata(server: string, options: SignalOptions = {}): Promise<ServerMetadata> {
    const slot = this.slotFor(server);
    return slot.use(async () => {
      try {
        const live = await untilAborted(slot.connection(), options.signal);
        live.tools ??= fetchTools(slot, live);
        const tools = await untilAborted(live.tools, options.signal);
        const client = live.connection!.client;
        return {
          server,
          tools,
          serverInfo: client.getServerVersion(),
          instructions: client.getInstructions(),
          capabilities: client.getServerCapabilities(),
        };
      } catch (error) {
        throw this.operationError(slot, error, options.signal, 'list the tools of');
      }
    });
  }

  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<CallToolResult> {
    const started = performance.now();
    let queuedMs = 0;
    const emitCall = (outcome: CallOutcome, errorCode?: UpstreamErrorCode) =>
      this.events.emit({
        type: 'call',
        server,
        tool,
        durationMs: performance.now() - started,
        queuedMs,
        outcome,
        errorCode,
      });

    let slot: Slot;
    try {
      slot = this.slotFor(server);
    } catch (error) {
      emitCall('error', (error as UpstreamError).code);
      throw error;
    }
    const timeoutMs = options.timeoutMs ?? slot.tuning.callTimeoutMs;
    // Aborted by the caller's signal or by the deadline: whichever comes first ends the wait.
    const wait = linkedSignal([options.signal]);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      wait.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      const result = await slot.use(() =>
        untilAborted(
          slot.limit(async () => {
            queuedMs = performance.now() - started;
            wait.signal.throwIfAborted();
            // A live connection is used as it is: no promise to wait on.
            const live =
              slot.live && !slot.closing ? slot.live : await untilAborted(slot.connection(), wait.signal);
            const remaining = timeoutMs - (performance.now() - started);
            if (remaining <= 0) {
              timedOut = true;
              wait.abort(new Error(`timed out after ${timeoutMs} ms`));
            }
            wait.signal.throwIfAborted();
            return this.request(slot, live, tool, args, options, wait.signal, remaining);
          }),
          wait.signal,
        ),
      );
      slot.consecutiveFailures = 0;
      emitCall(result.isError === true ? 'tool_error' : 'ok');
      return result;
    } catch (error) {
      const failure = callError(slot, tool, error, {
        aborted: options.signal?.aborted === true,
        timedOut,
        timeoutMs,
        closing: slot.closing,
      });
      emitCall(
        failure.code === 'TIMEOUT' ? 'timeout' : failure.code === 'ABORTED' ? 'aborted' : 'error',
        failure.code,
      );
      throw failure;
    } finally {
      clearTimeout(timer);
      wait.unlink();
    }
  }

  status(): ServerStatus[] {
    return [...this.slots.values()].map((slot) => ({
      name: slot.name,
      transport: slot.config.transport.type,
      connectedVia: slot.live?.connection?.kind,
      state: slot.state,
      pid: slot.live?.connection?.pid,
      restarts: slot.restarts,
      lastError: slot.lastError && { code: slot.lastError.code, message: slot.lastError.message },
      toolCount: slot.knownTools?.length,
      active: slot.limit.activeCount,
      queued: slot.limit.pendingCount,
      stderrTail: slot.stderrTail(),
    }));
  }

  close(options: SignalOptions = {}): Promise<void> {
    if (!this.closing) {
      this.lifetime.abort();
      this.closing = Promise.allSettled([...this.slots.values()].map((slot) => slot.close())).then(() => {});
    }
    const { signal } = options;
    return untilAborted(this.closing, signal).catch((error: unknown) => {
      throw new UpstreamError(
        'ABORTED',
        'Stopped waiting for the upstream pool to close: the signal was aborted. Closing goes on.',
        { cause: error },
      );
    });
  }

  private slotFor(server: string): Slot {
    if (this.closing) throw closedError(server);
    const slot = this.slots.get(server);
    if (!slot) {
      const known = this.serverNames.length > 0 ? this.serverNames.join(', ') : 'none';
      throw new UpstreamError(
        'SERVER_UNKNOWN',
        `No upstream server is named "${server}" (configured: ${known}). Check the name or the configuration.`,
        { server },
      );
    }
    if (slot.config.enabled === false) {
      throw new UpstreamError(
        'SERVER_DISABLED',
        `Upstream server "${server}" is disabled in its configuration: enable it to use it.`,
        { server },
      );
    }
    return slot;
  }

  /**
   * One `tools/call` on the live connection; a connection that ended under it says how. `signal` is the call's own
   * (the caller's signal linked with the deadline), unlinked when the call ends: the SDK never removes the listener
   * it adds to a request's signal, so it must not be the caller's long-lived one.
   */
  private async request(
    slot: Slot,
    live: Live,
    tool: string,
    args: Record<string, unknown>,
    options: CallToolOptions,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<CallToolResult> {
    try {
      const params = { name: tool, arguments: args, ...(options.meta ? { _meta: options.meta } : {}) };
      return (await live.connection!.client.callTool(params, undefined, {
        signal,
        timeout: Math.max(1, Math.ceil(timeoutMs)),
        onprogress: options.onProgress,
        resetTimeoutOnProgress: options.resetTimeoutOnProgress,
        maxTotalTimeout: options.maxTotalTimeoutMs,
      })) as CallToolResult;
    } catch (error) {
      if (signal.aborted || slot.closing) throw error;
      if (!(error instanceof McpError)) slot.dropConnection(live, error);
      if (!live.end) throw error;
      throw lostCallError(slot, tool, live.end, error);
    }
  }

  private operationError(slot: Slot, error: unknown, signal: AbortSignal | undefined, what: string) {
    return operationError(slot, error, {
      aborted: signal?.aborted === true,
      closing: slot.closing,
      listTimeoutMs: slot.tuning.listTimeoutMs,
      what,
    });
  }
}
