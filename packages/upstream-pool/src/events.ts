import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamError, UpstreamErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Life cycle of one server:
 * `idle` (not started, or stopped after idling) → `starting` → `ready`; a crash goes to `crashed`, a failed start
 * to `failed`; the next use restarts it (`restarting` while the backoff runs), until the restart limit keeps it
 * `failed`. `disabled` servers never start; after `close()` every server is `closed`.
 */
export type ServerState =
  | 'idle'
  | 'starting'
  | 'ready'
  | 'crashed'
  | 'restarting'
  | 'failed'
  | 'disabled'
  | 'closed';

/**
 * How a call ended: a result (`ok`, or `tool_error` for `isError: true`) or a thrown `UpstreamError` (`timeout` for
 * `TIMEOUT`, `aborted` for `ABORTED`, `error` for every other code).
 */
export type CallOutcome = 'ok' | 'tool_error' | 'timeout' | 'aborted' | 'error';

/** One finished `callTool`, for logs and metrics. */
export interface CallEvent {
  type: 'call';
  server: string;
  tool: string;
  /** From the `callTool` invocation to its end, queueing and starting included. */
  durationMs: number;
  /** Time spent waiting for a free slot of the server's concurrency limit. */
  queuedMs: number;
  outcome: CallOutcome;
  errorCode?: UpstreamErrorCode | undefined;
}

/** A server's tool list changed (after `notifications/tools/list_changed`, or a restart), already refetched. */
export interface ToolsChangedEvent {
  type: 'toolsChanged';
  server: string;
  tools: Tool[];
}

/** A server moved from one state to another. */
export interface ServerStateEvent {
  type: 'state';
  server: string;
  state: ServerState;
  previous: ServerState;
  /** Process id of a server that runs as a local process, when it becomes `ready`. */
  pid?: number | undefined;
  /** What made it `crashed` or `failed`. */
  error?: UpstreamError | undefined;
}

/** A complete line a stdio server wrote to stderr. */
export interface StderrEvent {
  type: 'stderr';
  server: string;
  line: string;
}

export type UpstreamEvent = CallEvent | ToolsChangedEvent | ServerStateEvent | StderrEvent;
export type UpstreamEventType = UpstreamEvent['type'];
export type UpstreamEventOf<T extends UpstreamEventType> = Extract<UpstreamEvent, { type: T }>;

/**
 * Delivers events to the pool's `onEvent` option and to `on()` subscribers. A listener that throws is logged and
 * does not keep the event from the others, nor break the pool's own work.
 */
export class EventHub {
  private readonly listeners = new Map<UpstreamEventType, Set<(event: never) => void>>();

  constructor(
    private readonly logger: Logger,
    private readonly onEvent: ((event: UpstreamEvent) => void) | undefined,
  ) {}

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

  emit(event: UpstreamEvent): void {
    if (this.onEvent) this.deliver(this.onEvent, event);
    for (const listener of this.listeners.get(event.type) ?? []) this.deliver(listener, event);
  }

  private deliver(listener: (event: never) => void, event: UpstreamEvent): void {
    try {
      listener(event as never);
    } catch (error) {
      this.logger.error('an upstream-pool event listener threw', {
        type: event.type,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
