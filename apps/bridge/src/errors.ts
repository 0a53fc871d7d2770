export type BridgeErrorCode =
  /** A setting (environment variable or flag) has a value the bridge cannot use. */
  | 'INVALID_SETTING'
  /** The command line has an unknown flag, command or missing argument. */
  | 'USAGE'
  /** A file named on the command line could not be read. */
  | 'INPUT_UNREADABLE'
  /** The HTTP server could not listen. */
  | 'LISTEN_FAILED';

/** The one error class of the bridge. Messages say what happened and what to do next. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: BridgeErrorCode;

  constructor(code: BridgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is a `BridgeError` (of the given code, when one is given). */
export function isBridgeError(error: unknown, code?: BridgeErrorCode): error is BridgeError {
  return error instanceof BridgeError && (code === undefined || error.code === code);
}
