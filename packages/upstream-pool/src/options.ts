import type { Implementation, Progress } from '@modelcontextprotocol/sdk/types.js';
import type { ConnectionFactory } from './connection-factory.js';
import type { UpstreamEvent } from './events.js';
import type { Logger } from './logger.js';
import type { RestartPolicy } from './restart-policy.js';
import type { UpstreamServer } from './server-config.js';

/** Limits that can be set for the whole pool and overridden per server. */
export interface ServerTuning {
  /**
   * Calls in flight to one server at a time; more wait in a queue.
   * @default 8
   */
  maxConcurrency: number;
  /**
   * Default deadline of `callTool` (queueing and starting included).
   * @default 60_000
   */
  callTimeoutMs: number;
  /**
   * Budget for starting a server and completing `initialize`.
   * @default 30_000
   */
  startTimeoutMs: number;
  /**
   * Deadline of each `tools/list` page request.
   * @default 30_000
   */
  listTimeoutMs: number;
  /**
   * Stop a server after this long without use; 0 keeps it running.
   * @default 0
   */
  idleTimeoutMs: number;
}

export interface UpstreamPoolOptions extends Partial<ServerTuning> {
  /** The servers the pool may start, each addressed by its unique `name`. */
  servers: readonly UpstreamServer[];
  /**
   * Where the pool reports what it does; it never writes to stdout or stderr itself.
   * @default silentLogger
   */
  logger?: Logger | undefined;
  /** Receives every event (calls, tool list changes, state changes, stderr lines). */
  onEvent?: ((event: UpstreamEvent) => void) | undefined;
  /** Per-server overrides of the tuning, by server name. */
  perServer?: Record<string, Partial<ServerTuning>> | undefined;
  /**
   * How often a crashed or failing server is restarted; the fields given replace those of the default.
   * @default DEFAULT_RESTART_POLICY
   */
  restart?: Partial<RestartPolicy> | undefined;
  /**
   * stderr lines kept per server for error reports and `status()`.
   * @default 50
   */
  stderrLines?: number | undefined;
  /**
   * Largest message accepted from a stdio server (default connection factory only).
   * @default 67_108_864 (64 MiB)
   */
  maxMessageBytes?: number | undefined;
  /**
   * How long closing waits for a stdio server to leave after stdin closes, and again after SIGTERM, before
   * SIGKILL (default connection factory only).
   * @default 2000
   */
  closeGraceMs?: number | undefined;
  /**
   * How the pool introduces itself in `initialize`.
   * @default { name: 'codexec-upstream-pool', version: <this package's version> }
   */
  clientInfo?: Implementation | undefined;
  /**
   * Opens the connection to a server when it starts or restarts. Replace it to reach servers some other way
   * (an in-process server over `InMemoryTransport`, a custom transport); the pool keeps doing the rest.
   * @default stdio servers spawned in their own process group; `http` over Streamable HTTP, falling back to
   * legacy SSE on a 400/404/405 answer; `sse` over legacy SSE
   */
  connect?: ConnectionFactory | undefined;
}

export interface CallToolOptions {
  /** Aborting cancels the call: it is removed from the queue, or `notifications/cancelled` is sent upstream. */
  signal?: AbortSignal | undefined;
  /**
   * Deadline for this call, queueing and starting included.
   * @default the server's `callTimeoutMs`
   */
  timeoutMs?: number | undefined;
  /** Progress notifications of the call. */
  onProgress?: ((progress: Progress) => void) | undefined;
  /**
   * Each progress notification restarts the timeout (bounded by `maxTotalTimeoutMs`).
   * @default false
   */
  resetTimeoutOnProgress?: boolean | undefined;
  /**
   * With `resetTimeoutOnProgress`, the longest the call may take however often progress arrives.
   * @default no bound
   */
  maxTotalTimeoutMs?: number | undefined;
  /**
   * The request's `_meta`, sent as given: for example the W3C `traceparent` of the caller's span, which MCP servers
   * that trace read to join the caller's trace.
   */
  meta?: Record<string, unknown> | undefined;
}

/** Options of the pool's methods that take nothing but a signal. */
export interface SignalOptions {
  /** Aborting stops waiting (`ABORTED`); a server start that other callers share goes on. */
  signal?: AbortSignal | undefined;
}

export const DEFAULT_TUNING: ServerTuning = {
  maxConcurrency: 8,
  callTimeoutMs: 60_000,
  startTimeoutMs: 30_000,
  listTimeoutMs: 30_000,
  idleTimeoutMs: 0,
};

export const DEFAULT_STDERR_LINES = 50;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CLOSE_GRACE_MS = 2000;

const TUNING_KEYS: readonly (keyof ServerTuning)[] = Object.keys(DEFAULT_TUNING) as (keyof ServerTuning)[];

/** The tuning of one server: the defaults, then the pool's options, then the server's overrides. Pure. */
export function resolveTuning(options: UpstreamPoolOptions, server: string): ServerTuning {
  return { ...DEFAULT_TUNING, ...definedOnly(options), ...definedOnly(options.perServer?.[server] ?? {}) };
}

function definedOnly(source: Partial<ServerTuning>): Partial<ServerTuning> {
  const result: Partial<ServerTuning> = {};
  for (const key of TUNING_KEYS) {
    const value = source[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}
