import type { ErrorObject } from './frames.js';

/**
 * Every failure this package reports. Decode codes describe one bad line; the channel codes describe one request
 * or the channel as a whole.
 */
export type FrameProtocolErrorCode =
  // An option the caller passed cannot be used.
  | 'INVALID_OPTIONS'
  // One line of input could not become a frame.
  | 'LINE_TOO_LONG'
  | 'INVALID_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_FRAME_TYPE'
  | 'INVALID_FRAME'
  // A value could not become a line (a BigInt, a cycle, a non-object).
  | 'ENCODE_FAILED'
  // The version handshake.
  | 'HANDSHAKE_FAILED'
  | 'VERSION_MISMATCH'
  // Requests.
  | 'TIMEOUT'
  | 'ABORTED'
  | 'REMOTE_ERROR'
  | 'INVALID_RESULT'
  | 'DUPLICATE_ID'
  | 'CLOSED';

/** The codes a decoder reports for a line it could not turn into a frame. */
export type DecodeErrorCode = Extract<
  FrameProtocolErrorCode,
  'LINE_TOO_LONG' | 'INVALID_JSON' | 'NOT_AN_OBJECT' | 'UNKNOWN_FRAME_TYPE' | 'INVALID_FRAME'
>;

export interface FrameProtocolErrorOptions {
  cause?: unknown;
  /** 1-based number of the offending line in the stream, for decode errors. */
  line?: number;
  /** The start of the offending line (at most a few dozen characters), for decode errors. */
  excerpt?: string;
  /** The error object the other side answered with, for `REMOTE_ERROR`. */
  remote?: ErrorObject;
}

export class FrameProtocolError extends Error {
  override readonly name = 'FrameProtocolError';
  readonly code: FrameProtocolErrorCode;
  readonly line: number | undefined;
  readonly excerpt: string | undefined;
  readonly remote: ErrorObject | undefined;

  constructor(code: FrameProtocolErrorCode, message: string, options: FrameProtocolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.line = options.line;
    this.excerpt = options.excerpt;
    this.remote = options.remote;
  }

  /**
   * An error to throw from a request handler when the answer should carry a specific wire error, e.g.
   * `throw FrameProtocolError.remote({ code: 'UNKNOWN_SERVER', message: 'No server "x": pick one of a, b' })`.
   * The requester receives it as a `REMOTE_ERROR` whose `remote` is this object.
   */
  static remote(error: ErrorObject): FrameProtocolError {
    return new FrameProtocolError('REMOTE_ERROR', `${error.code}: ${error.message}`, { remote: error });
  }
}

/** True for errors of this package, optionally of one code. */
export function isFrameProtocolError(
  error: unknown,
  code?: FrameProtocolErrorCode,
): error is FrameProtocolError {
  return error instanceof FrameProtocolError && (code === undefined || error.code === code);
}

/** `ABORTED` for `what` (a method, `send`, `hello`) whose signal fired; the signal's reason is the cause. */
export function abortedError(what: string, signal: AbortSignal): FrameProtocolError {
  return new FrameProtocolError('ABORTED', `"${what}" was aborted by its signal before it finished`, {
    cause: signal.reason,
  });
}
