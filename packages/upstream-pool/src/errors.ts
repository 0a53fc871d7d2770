/**
 * What went wrong, as a stable string:
 * - `SERVER_UNKNOWN` / `SERVER_DISABLED`: no server of that name, or it is disabled in its configuration.
 * - `START_FAILED`: the server could not be started or did not complete `initialize` in time.
 * - `CWD_MISSING`: the stdio server's `cwd` does not exist.
 * - `TIMEOUT`: the call's deadline passed (cancellation was sent upstream).
 * - `ABORTED`: the caller's signal was aborted (cancellation was sent upstream).
 * - `DISCONNECTED`: the process exited or the connection broke; the next call restarts the server.
 * - `RESTART_LIMIT`: the server failed too often in the restart window; it is reported as failed for now.
 * - `RPC_ERROR`: the server answered the request with a JSON-RPC error.
 * - `PROTOCOL_ERROR`: the server sent something that is not valid MCP (bad message, oversized line, cursor loop).
 * - `CLOSED`: the pool has been closed.
 */
export type UpstreamErrorCode =
  | 'SERVER_UNKNOWN'
  | 'SERVER_DISABLED'
  | 'START_FAILED'
  | 'CWD_MISSING'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'DISCONNECTED'
  | 'RESTART_LIMIT'
  | 'RPC_ERROR'
  | 'PROTOCOL_ERROR'
  | 'CLOSED';

export interface UpstreamErrorDetails {
  server?: string | undefined;
  tool?: string | undefined;
  /** The last lines the server wrote to stderr (stdio servers), oldest first. */
  stderrTail?: readonly string[] | undefined;
  /** The JSON-RPC error code, for `RPC_ERROR`. */
  rpcCode?: number | undefined;
  cause?: unknown;
}

/** The one error class of this package. Tool failures (`isError: true`) are results, never this. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly server: string | undefined;
  readonly tool: string | undefined;
  readonly stderrTail: readonly string[];
  readonly rpcCode: number | undefined;

  constructor(code: UpstreamErrorCode, message: string, details: UpstreamErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.server = details.server;
    this.tool = details.tool;
    this.stderrTail = details.stderrTail ?? [];
    this.rpcCode = details.rpcCode;
  }
}

/** Whether `error` is an `UpstreamError`, and of `code` when one is given. */
export function isUpstreamError(error: unknown, code?: UpstreamErrorCode): error is UpstreamError {
  return error instanceof UpstreamError && (code === undefined || error.code === code);
}

/** How many stderr lines an error message quotes; the error's `stderrTail` keeps them all. */
const QUOTED_LINES = 12;

/** `message`, followed by the last stderr lines when there are any. */
export function withStderr(message: string, tail: readonly string[]): string {
  if (tail.length === 0) return message;
  const quoted = tail.slice(-QUOTED_LINES).map((line) => `  | ${line}`);
  return `${message}\nLast stderr lines of the server:\n${quoted.join('\n')}`;
}
