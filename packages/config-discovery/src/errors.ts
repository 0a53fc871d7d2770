export type ConfigDiscoveryErrorCode = 'ABORTED' | 'INVALID_OPTIONS' | 'UNKNOWN_CLIENT';

/** Thrown only for misuse (bad options) and cancellation; problems in config files are diagnostics. */
export class ConfigDiscoveryError extends Error {
  override readonly name = 'ConfigDiscoveryError';
  readonly code: ConfigDiscoveryErrorCode;

  constructor(code: ConfigDiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Whether `error` is a `ConfigDiscoveryError` (of the given code, when one is given). */
export function isConfigDiscoveryError(
  error: unknown,
  code?: ConfigDiscoveryErrorCode,
): error is ConfigDiscoveryError {
  return error instanceof ConfigDiscoveryError && (code === undefined || error.code === code);
}
