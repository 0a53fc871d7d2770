import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CallToolResult,
  ErrorCode,
  type Implementation,
  McpError,
  type Progress,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import pLimit, { type LimitFunction } from 'p-limit';
import { type Connection, describeExit, openConnection } from './connect.js';
import { UpstreamError, type UpstreamErrorCode, withStderr } from './errors.js';
import type {
  CallOutcome,
  ServerState,
  UpstreamEvent,
  UpstreamEventOf,
  UpstreamEventType,
} from './events.js';
import { type Logger, silentLogger } from './logger.js';
import { DEFAULT_RESTART_POLICY, decideRestart, type RestartPolicy } from './restart-policy.js';
import { scopedSignal } from './scoped-signal.js';
import type { UpstreamServer } from './server-config.js';
import { StderrTail } from './stderr-tail.js';

/** Limits that can be set for the whole pool and overridden per server. */
export interface ServerTuning {
  /** Calls in flight to one server at a time; more wait in a queue. Default 8. */
  maxConcurrency: number;
  /** Default deadline of `callTool` (queueing and starting included). Default 60 000 ms. */
  callTimeoutMs: number;
  /** Budget for starting a server and completing `initialize`. Default 30 000 ms. */
  startTimeoutMs: number;
  /** Deadline of each `tools/list` page request. Default 30 000 ms. */
  listTimeoutMs: number;
  /** Stop a server after this long without use; 0 keeps it running. Default 0. */
  idleTimeoutMs: number;
}

export interface UpstreamPoolOptions extends Partial<ServerTuning> {
  servers: readonly UpstreamServer[];
  logger?: Logger | undefined;
  /** Receives every event (calls, tool list changes, state changes, stderr lines). */
  onEvent?: ((event: UpstreamEvent) => void) | undefined;
  /** Per-server overrides of the tuning, by server name. */
  perServer?: Record<string, Partial<ServerTuning>> | undefined;
  restart?: Partial<RestartPolicy> | undefined;
  /** stderr lines kept per server for error reports and `status()`. Default 50. */
  stderrLines?: number | undefined;
  /** Largest message accepted from a stdio server. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /** How long closing waits for a stdio server to leave after stdin closes, and after SIGTERM. Default 2000 ms. */
  closeGraceMs?: number | undefined;
  /** How the pool introduces itself in `initialize`. */
  clientInfo?: Implementation | undefined;
}

export interface CallToolOptions {
  /** Aborting cancels the call: it is removed from the queue, or `notifications/cancelled` is sent upstream. */
  signal?: AbortSignal | undefined;
  /** Deadline for this call, queueing and starting included; overrides `callTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Progress notifications of the call. */
  onProgress?: ((progress: Progress) => void) | undefined;
  /** Each progress notification restarts the timeout (bounded by `maxTotalTimeoutMs`). */
  resetTimeoutOnProgress?: boolean | undefined;
  maxTotalTimeoutMs?: number | undefined;
}

export interface SignalOptions {
  signal?: AbortSignal | undefined;
}

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
  connectedVia: 'stdio' | 'streamable-http' | 'sse' | undefined;
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
  /** Starts the server now, instead of on first use. */
  connect(server: string, options?: SignalOptions): Promise<void>;
  /** All of the server's tools (every page), cached until the server reports a change or restarts. */
  metadata(server: string, options?: SignalOptions): Promise<ServerMetadata>;
  /** Calls a tool. A tool failure is a result with `isError: true`; everything else throws `UpstreamError`. */
  callTool(
    server: string,
    tool: string,
    args?: Record<string, unknown>,
    options?: CallToolOptions,
  ): Promise<CallToolResult>;
  status(): ServerStatus[];
  /** Subscribes to one kind of event; returns the function that unsubscribes. */
  on<T extends UpstreamEventType>(type: T, listener: (event: UpstreamEventOf<T>) => void): () => void;
  /** Ends every connection and every server process (with its process group). Calls in flight fail with CLOSED. */
  close(options?: SignalOptions): Promise<void>;
}

const DEFAULT_TUNING: ServerTuning = {
  maxConcurrency: 8,
  callTimeoutMs: 60_000,
  startTimeoutMs: 30_000,
  listTimeoutMs: 30_000,
  idleTimeoutMs: 0,
};

/** This package's version, for `clientInfo`; unknown when a bundler moved the code away from package.json. */
const packageVersion: string = (() => {
  try {
    return String(createRequire(import.meta.url)('../package.json').version);
  } catch {
    return '0.0.0';
  }
})();

/** Creates a pool of MCP client connections to `servers`. Nothing starts until it is used. */
export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  return new Pool(options);
}

/** A connection with what the pool knows about it. */
interface Live {
  connection: Connection | undefined;
  tools: Promise<Tool[]> | undefined;
  /** Closed on purpose (idle, close, dropped after a transport failure): its end is not a crash. */
  intentional: boolean;
  /** How it ended when that was a failure ("exited (exit code 3)"), for the calls it took down. */
  end: { code: 'DISCONNECTED' | 'PROTOCOL'; text: string } | undefined;
}

class Slot {
  state: ServerState;
  live: Live | undefined;
  starting: Promise<Live> | undefined;
  /** Set when the last connection crashed or the last start failed: the next start is a restart. */
  needsRestart = false;
  restartTimes: number[] = [];
  restarts = 0;
  consecutiveFailures = 0;
  lastFailureAt = 0;
  lastError: UpstreamError | undefined;
  knownTools: Tool[] | undefined;
  /** callTool/metadata invocations in progress, queued ones included. */
  busy = 0;
  idleTimer: NodeJS.Timeout | undefined;
  readonly limit: LimitFunction;

  constructor(
    readonly config: UpstreamServer,
    readonly tuning: ServerTuning,
    readonly stderr: StderrTail,
  ) {
    this.state = config.enabled === false ? 'disabled' : 'idle';
    this.limit = pLimit(tuning.maxConcurrency);
  }

  get name(): string {
    return this.config.name;
  }

  recordFailure(error: UpstreamError): void {
    this.needsRestart = true;
    this.consecutiveFailures += 1;
    this.lastFailureAt = Date.now();
    this.lastError = error;
  }
}

class Pool implements UpstreamPool {
  readonly serverNames: readonly string[];
  private readonly slots = new Map<string, Slot>();
  private readonly listeners = new Map<UpstreamEventType, Set<(event: never) => void>>();
  private readonly logger: Logger;
  private readonly restartPolicy: RestartPolicy;
  private readonly clientInfo: Implementation;
  private readonly lifetime = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: UpstreamPoolOptions) {
    this.logger = options.logger ?? silentLogger;
    this.restartPolicy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.clientInfo = options.clientInfo ?? { name: 'codexec-upstream-pool', version: packageVersion };
    const base: ServerTuning = { ...DEFAULT_TUNING, ...definedOnly(options) };
    for (const server of options.servers) {
      if (this.slots.has(server.name)) {
        throw new UpstreamError(
          'SERVER_UNKNOWN',
          `Two upstream servers are named "${server.name}": give each server a unique name.`,
          { server: server.name },
        );
      }
      const tuning = { ...base, ...definedOnly(options.perServer?.[server.name] ?? {}) };
      this.slots.set(server.name, new Slot(server, tuning, new StderrTail(options.stderrLines ?? 50)));
    }
    this.serverNames = [...this.slots.keys()];
  }

  on<T extends UpstreamEventType>(type: T, listener: (event: UpstreamEventOf<T>) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async connect(server: string, options: SignalOptions = {}): Promise<void> {
    const slot = this.slotFor(server);
    slot.busy += 1;
    try {
      await abortable(this.liveFor(slot), options.signal);
    } catch (error) {
      throw this.operationError(slot, error, options.signal, 'start');
    } finally {
      slot.busy -= 1;
      this.scheduleIdle(slot);
    }
  }

  async metadata(server: string, options: SignalOptions = {}): Promise<ServerMetadata> {
    const slot = this.slotFor(server);
    slot.busy += 1;
    clearTimeout(slot.idleTimer);
    try {
      const live = await abortable(this.liveFor(slot), options.signal);
      live.tools ??= this.fetchTools(slot, live);
      const tools = await abortable(live.tools, options.signal);
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
    } finally {
      slot.busy -= 1;
      this.scheduleIdle(slot);
    }
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
      this.emit({
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
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const waitSignal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    slot.busy += 1;
    clearTimeout(slot.idleTimer);
    try {
      const result = await abortable(
        slot.limit(async () => {
          queuedMs = performance.now() - started;
          waitSignal.throwIfAborted();
          const live = await abortable(this.liveFor(slot), waitSignal);
          const remaining = timeoutMs - (performance.now() - started);
          if (remaining <= 0) deadline.abort();
          waitSignal.throwIfAborted();
          return this.request(slot, live, tool, args, options, remaining);
        }),
        waitSignal,
      );
      slot.consecutiveFailures = 0;
      emitCall(result.isError === true ? 'tool_error' : 'ok');
      return result;
    } catch (error) {
      const failure = this.callError(slot, tool, error, {
        cancelled: options.signal?.aborted === true,
        timedOut: deadline.signal.aborted,
        timeoutMs,
      });
      emitCall(
        failure.code === 'TIMEOUT' ? 'timeout' : failure.code === 'CANCELLED' ? 'cancelled' : 'error',
        failure.code,
      );
      throw failure;
    } finally {
      clearTimeout(timer);
      slot.busy -= 1;
      this.scheduleIdle(slot);
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
      stderrTail: slot.stderr.snapshot(),
    }));
  }

  close(options: SignalOptions = {}): Promise<void> {
    if (!this.closing) {
      this.lifetime.abort();
      this.closing = Promise.allSettled(
        [...this.slots.values()].map(async (slot) => {
          clearTimeout(slot.idleTimer);
          const { live, starting } = slot;
          slot.live = undefined;
          if (live) {
            live.intentional = true;
            await live.connection?.close();
          }
          // A start in progress sees the aborted lifetime and ends what it started.
          await starting?.catch(() => {});
          this.setState(slot, 'closed');
        }),
      ).then(() => {});
    }
    return abortable(this.closing, options.signal);
  }

  // --- starting and restarting -------------------------------------------------------------------------------

  private slotFor(server: string): Slot {
    if (this.closing) {
      throw new UpstreamError('CLOSED', `The upstream pool is closed: server "${server}" cannot be used.`, {
        server,
      });
    }
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

  /** The live connection, starting the server if needed; concurrent callers share one start. */
  private liveFor(slot: Slot): Promise<Live> {
    if (this.closing) return Promise.reject(this.closedError(slot.name));
    if (slot.live) return Promise.resolve(slot.live);
    if (!slot.starting) {
      const starting = this.start(slot).finally(() => {
        if (slot.starting === starting) slot.starting = undefined;
      });
      starting.catch(() => {});
      slot.starting = starting;
    }
    return slot.starting;
  }

  private async start(slot: Slot): Promise<Live> {
    if (slot.needsRestart) {
      const decision = decideRestart(
        this.restartPolicy,
        {
          restarts: slot.restartTimes,
          consecutiveFailures: slot.consecutiveFailures,
          lastFailureAt: slot.lastFailureAt,
        },
        Date.now(),
      );
      if (!decision.allowed) {
        const tail = slot.stderr.snapshot();
        const last = slot.lastError?.message.split('\n')[0] ?? 'unknown';
        const error = new UpstreamError(
          'RESTART_LIMIT',
          withStderr(
            `Upstream server "${slot.name}" failed after ${decision.restartsInWindow} restarts within ${seconds(this.restartPolicy.windowMs)} and is not restarted for now (next try in ${seconds(decision.retryAfterMs)}). Last error: ${last}`,
            tail,
          ),
          { server: slot.name, stderrTail: tail, cause: slot.lastError },
        );
        this.setState(slot, 'failed', { error });
        throw error;
      }
      this.setState(slot, 'restarting');
      try {
        await sleep(decision.delayMs, undefined, { signal: this.lifetime.signal });
      } catch {
        throw this.closedError(slot.name);
      }
      slot.restartTimes = [
        ...slot.restartTimes.filter((at) => Date.now() - at < this.restartPolicy.windowMs),
        Date.now(),
      ];
      slot.restarts += 1;
    }

    this.setState(slot, 'starting');
    const live: Live = { connection: undefined, tools: undefined, intentional: false, end: undefined };
    let connection: Connection;
    try {
      connection = await openConnection(slot.config, {
        clientInfo: this.clientInfo,
        timeoutMs: slot.tuning.startTimeoutMs,
        signal: this.lifetime.signal,
        maxMessageBytes: this.options.maxMessageBytes ?? 64 * 1024 * 1024,
        closeGraceMs: this.options.closeGraceMs ?? 2000,
        onStderr: (chunk) => {
          for (const line of slot.stderr.push(chunk)) this.emit({ type: 'stderr', server: slot.name, line });
        },
        stderrTail: () => slot.stderr.snapshot(),
        onToolsChanged: () => this.onToolsChanged(slot, live),
        onClose: () => this.onConnectionClosed(slot, live),
        onTransportError: (error) =>
          this.logger.debug('upstream transport error', { server: slot.name, error: error.message }),
      });
    } catch (error) {
      const failure =
        error instanceof UpstreamError
          ? error
          : new UpstreamError(
              'START_FAILED',
              `Upstream server "${slot.name}" failed to start: ${String(error)}`,
              {
                server: slot.name,
                cause: error,
              },
            );
      if (failure.code !== 'CLOSED') {
        slot.recordFailure(failure);
        this.setState(slot, 'failed', { error: failure });
        this.logger.warn('upstream server failed to start', { server: slot.name, error: failure.message });
      }
      throw failure;
    }
    live.connection = connection;
    if (this.closing) {
      live.intentional = true;
      await connection.close();
      throw this.closedError(slot.name);
    }
    slot.live = live;
    slot.needsRestart = false;
    this.setState(slot, 'ready', { pid: connection.pid });
    this.logger.info('upstream server ready', {
      server: slot.name,
      via: connection.kind,
      pid: connection.pid,
    });
    return live;
  }

  /** The connection ended by itself: a crash (process exit, broken stream). The next use restarts the server. */
  private onConnectionClosed(slot: Slot, live: Live): void {
    if (slot.live !== live || live.intentional) return;
    slot.live = undefined;
    clearTimeout(slot.idleTimer);
    const exit = live.connection?.exit;
    const failure = live.connection?.failure;
    live.end = {
      code: failure ? 'PROTOCOL' : 'DISCONNECTED',
      text: failure
        ? `${failure} and was stopped`
        : exit
          ? `exited (${describeExit(exit)})`
          : 'closed the connection',
    };
    const tail = slot.stderr.snapshot();
    const error = new UpstreamError(
      live.end.code,
      withStderr(`Upstream server "${slot.name}" ${live.end.text}; it is restarted on the next call.`, tail),
      { server: slot.name, stderrTail: tail },
    );
    slot.recordFailure(error);
    this.setState(slot, 'crashed', { error });
    this.logger.warn('upstream server disconnected', { server: slot.name, error: error.message });
  }

  /** A request failed in a way that leaves the connection unusable (HTTP unreachable, pipe broken). */
  private dropConnection(slot: Slot, live: Live, cause: unknown): void {
    if (slot.live !== live) return;
    slot.live = undefined;
    live.intentional = true;
    live.end = { code: 'DISCONNECTED', text: `became unreachable (${messageOf(cause)})` };
    const error = new UpstreamError(
      'DISCONNECTED',
      `Upstream server "${slot.name}" ${live.end.text}; it is reconnected on the next call.`,
      { server: slot.name, cause },
    );
    slot.recordFailure(error);
    this.setState(slot, 'crashed', { error });
    void live.connection?.close().catch(() => {});
  }

  private scheduleIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    const idleMs = slot.tuning.idleTimeoutMs;
    if (idleMs <= 0 || !slot.live || slot.busy > 0 || this.closing) return;
    slot.idleTimer = setTimeout(() => {
      const live = slot.live;
      if (!live || slot.busy > 0 || this.closing) return;
      slot.live = undefined;
      live.intentional = true;
      this.setState(slot, 'idle');
      this.logger.info('upstream server stopped after idling', { server: slot.name, idleMs });
      void live.connection?.close().catch(() => {});
    }, idleMs);
    slot.idleTimer.unref();
  }

  // --- tools -------------------------------------------------------------------------------------------------

  private fetchTools(slot: Slot, live: Live): Promise<Tool[]> {
    const client = live.connection!.client;
    const fetching = (async () => {
      const tools: Tool[] = [];
      const cursors = new Set<string>();
      let cursor: string | undefined;
      do {
        const scoped = scopedSignal(this.lifetime.signal);
        const page = await client
          .listTools(cursor === undefined ? undefined : { cursor }, {
            timeout: slot.tuning.listTimeoutMs,
            signal: scoped.signal,
          })
          .finally(scoped.dispose);
        tools.push(...page.tools);
        cursor = page.nextCursor;
        if (cursor !== undefined && cursors.has(cursor)) {
          throw new UpstreamError(
            'PROTOCOL',
            `Upstream server "${slot.name}" repeated the tools/list cursor "${cursor}": its pagination loops. Report it to the server's authors.`,
            { server: slot.name },
          );
        }
        if (cursor !== undefined) cursors.add(cursor);
      } while (cursor !== undefined);
      return tools;
    })();
    fetching.then(
      (tools) => {
        const previous = slot.knownTools;
        slot.knownTools = tools;
        slot.consecutiveFailures = 0;
        if (previous && JSON.stringify(previous) !== JSON.stringify(tools)) {
          this.emit({ type: 'toolsChanged', server: slot.name, tools });
        }
      },
      () => {
        if (live.tools === fetching) live.tools = undefined;
      },
    );
    return fetching;
  }

  private onToolsChanged(slot: Slot, live: Live): void {
    if (slot.live !== live) return;
    this.logger.debug('upstream tool list changed', { server: slot.name });
    // Nobody has asked for the tools of this connection yet: the next metadata() reads the new list anyway.
    if (live.tools === undefined) return;
    live.tools = this.fetchTools(slot, live);
    live.tools.catch((error: unknown) =>
      this.logger.warn('refreshing the tool list failed', { server: slot.name, error: messageOf(error) }),
    );
  }

  // --- calls -------------------------------------------------------------------------------------------------

  private async request(
    slot: Slot,
    live: Live,
    tool: string,
    args: Record<string, unknown>,
    options: CallToolOptions,
    timeoutMs: number,
  ): Promise<CallToolResult> {
    const scoped = scopedSignal(options.signal);
    try {
      return (await live.connection!.client.callTool({ name: tool, arguments: args }, undefined, {
        signal: scoped.signal,
        timeout: Math.max(1, Math.ceil(timeoutMs)),
        onprogress: options.onProgress,
        resetTimeoutOnProgress: options.resetTimeoutOnProgress,
        maxTotalTimeout: options.maxTotalTimeoutMs,
      })) as CallToolResult;
    } catch (error) {
      if (scoped.signal.aborted || this.closing) throw error;
      if (!(error instanceof McpError)) this.dropConnection(slot, live, error);
      if (!live.end) throw error;
      // The connection ended under the call: say how.
      const tail = slot.stderr.snapshot();
      throw new UpstreamError(
        live.end.code,
        withStderr(
          `Upstream server "${slot.name}" ${live.end.text} during tool "${tool}"; the call is lost and the server is restarted on the next call.`,
          tail,
        ),
        { server: slot.name, tool, stderrTail: tail, cause: error },
      );
    } finally {
      scoped.dispose();
    }
  }

  private callError(
    slot: Slot,
    tool: string,
    error: unknown,
    context: { cancelled: boolean; timedOut: boolean; timeoutMs: number },
  ): UpstreamError {
    const details = { server: slot.name, tool, cause: error };
    if (context.cancelled) {
      return new UpstreamError(
        'CANCELLED',
        `The call of tool "${tool}" on upstream server "${slot.name}" was cancelled by the caller.`,
        details,
      );
    }
    if (error instanceof UpstreamError) return error;
    if (context.timedOut || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) {
      return new UpstreamError(
        'TIMEOUT',
        `Tool "${tool}" on upstream server "${slot.name}" did not answer within ${context.timeoutMs} ms and was cancelled. Raise timeoutMs if it needs longer.`,
        details,
      );
    }
    if (this.closing) return this.closedError(slot.name);
    if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
      if (/output schema|structured content/i.test(error.message)) {
        return new UpstreamError(
          'PROTOCOL',
          `Tool "${tool}" on upstream server "${slot.name}" returned a result that breaks its own outputSchema: ${error.message}`,
          details,
        );
      }
      return new UpstreamError(
        'RPC_ERROR',
        `Upstream server "${slot.name}" answered tools/call "${tool}" with JSON-RPC error ${error.code}: ${error.message}`,
        { ...details, rpcCode: error.code },
      );
    }
    if (isSchemaError(error)) {
      return new UpstreamError(
        'PROTOCOL',
        `Upstream server "${slot.name}" sent an invalid tools/call result for "${tool}": ${messageOf(error)}`,
        details,
      );
    }
    const tail = slot.stderr.snapshot();
    return new UpstreamError(
      'DISCONNECTED',
      withStderr(
        `Upstream server "${slot.name}" disconnected during tool "${tool}" (${messageOf(error)}); it is restarted on the next call.`,
        tail,
      ),
      { ...details, stderrTail: tail },
    );
  }

  /** Maps a failure of connect()/metadata() (not a tool call) to an UpstreamError. */
  private operationError(
    slot: Slot,
    error: unknown,
    signal: AbortSignal | undefined,
    what: string,
  ): UpstreamError {
    if (signal?.aborted) {
      return new UpstreamError(
        'CANCELLED',
        `Cancelled while trying to ${what} upstream server "${slot.name}".`,
        {
          server: slot.name,
          cause: error,
        },
      );
    }
    if (error instanceof UpstreamError) return error;
    if (this.closing) return this.closedError(slot.name);
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return new UpstreamError(
        'TIMEOUT',
        `Upstream server "${slot.name}" did not answer tools/list within ${slot.tuning.listTimeoutMs} ms. Raise listTimeoutMs if it needs longer.`,
        { server: slot.name, cause: error },
      );
    }
    if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
      return new UpstreamError(
        'RPC_ERROR',
        `Upstream server "${slot.name}" answered tools/list with JSON-RPC error ${error.code}: ${error.message}`,
        { server: slot.name, rpcCode: error.code, cause: error },
      );
    }
    const tail = slot.stderr.snapshot();
    return new UpstreamError(
      'DISCONNECTED',
      withStderr(
        `Upstream server "${slot.name}" disconnected while trying to ${what} it (${messageOf(error)}).`,
        tail,
      ),
      { server: slot.name, stderrTail: tail, cause: error },
    );
  }

  private closedError(server: string): UpstreamError {
    return new UpstreamError('CLOSED', `The upstream pool is closed: server "${server}" cannot be used.`, {
      server,
    });
  }

  // --- events ------------------------------------------------------------------------------------------------

  private setState(
    slot: Slot,
    state: ServerState,
    extra: { pid?: number | undefined; error?: UpstreamError | undefined } = {},
  ): void {
    const previous = slot.state;
    if (previous === state) return;
    slot.state = state;
    this.emit({ type: 'state', server: slot.name, state, previous, ...extra });
  }

  private emit(event: UpstreamEvent): void {
    const deliver = (listener: (event: never) => void) => {
      try {
        listener(event as never);
      } catch (error) {
        this.logger.error('an upstream-pool event listener threw', {
          type: event.type,
          error: messageOf(error),
        });
      }
    };
    if (this.options.onEvent) deliver(this.options.onEvent);
    for (const listener of this.listeners.get(event.type) ?? []) deliver(listener);
  }
}

/** Waits for `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function definedOnly(source: Partial<ServerTuning>): Partial<ServerTuning> {
  const keys: (keyof ServerTuning)[] = [
    'maxConcurrency',
    'callTimeoutMs',
    'startTimeoutMs',
    'listTimeoutMs',
    'idleTimeoutMs',
  ];
  const result: Partial<ServerTuning> = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

function isSchemaError(error: unknown): boolean {
  return error instanceof Error && /ZodError/.test(error.name);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms / 1000))} s`;
}
