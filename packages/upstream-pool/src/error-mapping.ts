/**
 * Turns what goes wrong under the pool (SDK errors, transport errors, aborted signals, ended connections) into
 * `UpstreamError`s that name the server and say what to do. Pure: the caller says what it knows (was the pool
 * closing, did the deadline pass) and hands over the server's stderr tail.
 */

import { formatDuration, messageOf } from '@codexec/internal';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamError, withStderr } from './errors.js';

/** The server an error is about. */
export interface ErrorSubject {
  readonly name: string;
  /** Its last stderr lines, oldest first. */
  stderrTail(): string[];
}

export function closedError(server: string): UpstreamError {
  return new UpstreamError('CLOSED', `The upstream pool is closed: server "${server}" cannot be used.`, {
    server,
  });
}

/** A start that failed: the factory's `UpstreamError` (with the stderr tail for `START_FAILED`), or a new one. */
export function startFailure(
  subject: ErrorSubject,
  error: unknown,
  context: { closing: boolean; timeoutMs: number },
): UpstreamError {
  const server = subject.name;
  if (context.closing) {
    return new UpstreamError('CLOSED', `Upstream server "${server}" was not started: the pool is closing.`, {
      server,
      cause: error,
    });
  }
  if (error instanceof UpstreamError && error.code !== 'START_FAILED') return error;
  const tail = subject.stderrTail();
  if (error instanceof UpstreamError) {
    if (tail.length === 0 || error.stderrTail.length > 0) return error;
    return new UpstreamError('START_FAILED', withStderr(error.message, tail), {
      server: error.server ?? server,
      stderrTail: tail,
      cause: error.cause,
    });
  }
  const reason =
    error instanceof McpError && error.code === ErrorCode.RequestTimeout
      ? `did not answer initialize within ${context.timeoutMs} ms. Check that it speaks MCP, or raise startTimeoutMs.`
      : `failed to start: ${messageOf(error)}.`;
  return new UpstreamError('START_FAILED', withStderr(`Upstream server "${server}" ${reason}`, tail), {
    server,
    stderrTail: tail,
    cause: error,
  });
}

export function restartLimitError(
  subject: ErrorSubject,
  history: { restartsInWindow: number; windowMs: number; retryAfterMs: number; lastError: Error | undefined },
): UpstreamError {
  const tail = subject.stderrTail();
  const last = history.lastError?.message.split('\n')[0] ?? 'unknown';
  return new UpstreamError(
    'RESTART_LIMIT',
    withStderr(
      `Upstream server "${subject.name}" failed after ${history.restartsInWindow} restarts within ${formatDuration(history.windowMs)} and is not restarted for now (next try in ${formatDuration(Math.max(0, history.retryAfterMs))}). Last error: ${last}`,
      tail,
    ),
    { server: subject.name, stderrTail: tail, cause: history.lastError },
  );
}

/** The connection ended by itself (`end.text` says how). */
export function connectionEndedError(
  subject: ErrorSubject,
  end: { code: 'DISCONNECTED' | 'PROTOCOL_ERROR'; text: string },
): UpstreamError {
  const tail = subject.stderrTail();
  return new UpstreamError(
    end.code,
    withStderr(`Upstream server "${subject.name}" ${end.text}; it is restarted on the next call.`, tail),
    { server: subject.name, stderrTail: tail },
  );
}

/** A request failed in a way that leaves the connection unusable. */
export function unreachableError(server: string, text: string, cause: unknown): UpstreamError {
  return new UpstreamError(
    'DISCONNECTED',
    `Upstream server "${server}" ${text}; it is reconnected on the next call.`,
    {
      server,
      cause,
    },
  );
}

/** A tool call lost because its connection ended under it (`end.text` says how). */
export function lostCallError(
  subject: ErrorSubject,
  tool: string,
  end: { code: 'DISCONNECTED' | 'PROTOCOL_ERROR'; text: string },
  cause: unknown,
): UpstreamError {
  const tail = subject.stderrTail();
  return new UpstreamError(
    end.code,
    withStderr(
      `Upstream server "${subject.name}" ${end.text} during tool "${tool}"; the call is lost and the server is restarted on the next call.`,
      tail,
    ),
    { server: subject.name, tool, stderrTail: tail, cause },
  );
}

export function cursorLoopError(server: string, cursor: string): UpstreamError {
  return new UpstreamError(
    'PROTOCOL_ERROR',
    `Upstream server "${server}" repeated the tools/list cursor "${cursor}": its pagination loops. Report it to the server's authors.`,
    { server },
  );
}

/** Why a `callTool` failed. The caller's abort wins over everything; the deadline over everything else. */
export function callError(
  subject: ErrorSubject,
  tool: string,
  error: unknown,
  context: { aborted: boolean; timedOut: boolean; timeoutMs: number; closing: boolean },
): UpstreamError {
  const server = subject.name;
  const details = { server, tool, cause: error };
  if (context.aborted) {
    return new UpstreamError(
      'ABORTED',
      `The call of tool "${tool}" on upstream server "${server}" was aborted by the caller.`,
      details,
    );
  }
  if (error instanceof UpstreamError) return error;
  if (context.timedOut || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) {
    return new UpstreamError(
      'TIMEOUT',
      `Tool "${tool}" on upstream server "${server}" did not answer within ${context.timeoutMs} ms and was cancelled. Raise timeoutMs if it needs longer.`,
      details,
    );
  }
  if (context.closing) return closedError(server);
  if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
    if (/output schema|structured content/i.test(error.message)) {
      return new UpstreamError(
        'PROTOCOL_ERROR',
        `Tool "${tool}" on upstream server "${server}" returned a result that breaks its own outputSchema: ${error.message}`,
        details,
      );
    }
    return new UpstreamError(
      'RPC_ERROR',
      `Upstream server "${server}" answered tools/call "${tool}" with JSON-RPC error ${error.code}: ${error.message}`,
      { ...details, rpcCode: error.code },
    );
  }
  if (isSchemaError(error)) {
    return new UpstreamError(
      'PROTOCOL_ERROR',
      `Upstream server "${server}" sent an invalid tools/call result for "${tool}": ${messageOf(error)}`,
      details,
    );
  }
  const tail = subject.stderrTail();
  return new UpstreamError(
    'DISCONNECTED',
    withStderr(
      `Upstream server "${server}" disconnected during tool "${tool}" (${messageOf(error)}); it is restarted on the next call.`,
      tail,
    ),
    { ...details, stderrTail: tail },
  );
}

/** Why `connect()` or `metadata()` failed (`what`: "start", "list the tools of"). */
export function operationError(
  subject: ErrorSubject,
  error: unknown,
  context: { aborted: boolean; closing: boolean; listTimeoutMs: number; what: string },
): UpstreamError {
  const server = subject.name;
  if (context.aborted) {
    return new UpstreamError(
      'ABORTED',
      `Aborted while trying to ${context.what} upstream server "${server}".`,
      {
        server,
        cause: error,
      },
    );
  }
  if (error instanceof UpstreamError) return error;
  if (context.closing) return closedError(server);
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new UpstreamError(
      'TIMEOUT',
      `Upstream server "${server}" did not answer tools/list within ${context.listTimeoutMs} ms. Raise listTimeoutMs if it needs longer.`,
      { server, cause: error },
    );
  }
  if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
    return new UpstreamError(
      'RPC_ERROR',
      `Upstream server "${server}" answered tools/list with JSON-RPC error ${error.code}: ${error.message}`,
      { server, rpcCode: error.code, cause: error },
    );
  }
  const tail = subject.stderrTail();
  return new UpstreamError(
    'DISCONNECTED',
    withStderr(
      `Upstream server "${server}" disconnected while trying to ${context.what} it (${messageOf(error)}).`,
      tail,
    ),
    { server, stderrTail: tail, cause: error },
  );
}

function isSchemaError(error: unknown): boolean {
  return error instanceof Error && /ZodError/.test(error.name);
}
