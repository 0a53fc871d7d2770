import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamError, UpstreamErrorCode } from './errors.js';

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

/** How a call ended: a result (`ok`, or `tool_error` for `isError: true`) or a thrown `UpstreamError`. */
export type CallOutcome = 'ok' | 'tool_error' | 'timeout' | 'cancelled' | 'error';

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
export interface StateEvent {
  type: 'state';
  server: string;
  state: ServerState;
  previous: ServerState;
  pid?: number | undefined;
  error?: UpstreamError | undefined;
}

/** A complete line a stdio server wrote to stderr. */
export interface StderrEvent {
  type: 'stderr';
  server: string;
  line: string;
}

export type UpstreamEvent = CallEvent | ToolsChangedEvent | StateEvent | StderrEvent;
export type UpstreamEventType = UpstreamEvent['type'];
export type UpstreamEventOf<T extends UpstreamEventType> = Extract<UpstreamEvent, { type: T }>;
