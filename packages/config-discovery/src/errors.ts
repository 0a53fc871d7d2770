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
