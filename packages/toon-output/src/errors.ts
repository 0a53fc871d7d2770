/** What went wrong, as a stable string a caller can branch on. */
export type ToonOutputErrorCode = 'INVALID_OPTIONS';

/**
 * The one error this package throws. Rendering itself never throws for any outcome or value; only options that
 * cannot be honoured (a cap too small to hold a result, an unknown mode) are rejected, because they are
 * programming or configuration mistakes that a caller must fix.
 */
export class ToonOutputError extends Error {
  override readonly name = 'ToonOutputError';
  readonly code: ToonOutputErrorCode;

  constructor(code: ToonOutputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is a `ToonOutputError` (of the given code, when one is given). */
export function isToonOutputError(error: unknown, code?: ToonOutputErrorCode): error is ToonOutputError {
  return error instanceof ToonOutputError && (code === undefined || error.code === code);
}
