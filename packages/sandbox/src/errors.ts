/**
 * Every failure this package reports. `run()` never throws for what the code or the container does: those end
 * as a `RunResult` with status `error` whose `error.type` is `SandboxError`, `ProtocolError` or `MemoryError`.
 * `SandboxError` is thrown only for mistakes of the caller (`INVALID_OPTIONS`, `CLOSED`, `RUNTIME_SOURCE_MISSING`)
 * and by the lower-level `startRuntimeContainer` (which `run()` turns into results).
 *
 * - `INVALID_OPTIONS`: an option of `createSandbox` or `run` has a value that cannot be used.
 * - `CLOSED`: `run` was called after `close`.
 * - `RUNTIME_SOURCE_MISSING`: the Python runtime files are not next to the package (a broken install).
 * - `ENGINE_UNAVAILABLE`: the container engine could not be started or did not answer.
 * - `IMAGE_MISSING`: the image is not on the machine.
 * - `CONTAINER_START_FAILED`: the engine refused the container, or it exited before its runtime said hello.
 * - `STARTUP_TIMEOUT`: the runtime did not say hello in time.
 * - `CONTAINER_DIED`: the container exited in the middle of a run.
 * - `MEMORY_LIMIT`: the container was killed, most likely by the out-of-memory killer.
 * - `PROTOCOL_ERROR`: the container sent something that is not a valid frame, or a bad handshake.
 */
export type SandboxErrorCode =
  | 'INVALID_OPTIONS'
  | 'CLOSED'
  | 'RUNTIME_SOURCE_MISSING'
  | 'ENGINE_UNAVAILABLE'
  | 'IMAGE_MISSING'
  | 'CONTAINER_START_FAILED'
  | 'STARTUP_TIMEOUT'
  | 'CONTAINER_DIED'
  | 'MEMORY_LIMIT'
  | 'PROTOCOL_ERROR';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isSandboxError(error: unknown, code?: SandboxErrorCode): error is SandboxError {
  return error instanceof SandboxError && (code === undefined || error.code === code);
}
