/**
 * Every failure this package reports. Each message says what happened and what to do next.
 *
 * - `RUNTIME_NOT_FOUND`: no engine CLI could be started (not installed, not on PATH).
 * - `ENGINE_NOT_RESPONDING`: the CLI exists but its engine did not answer (daemon stopped, VM stopped, no access).
 * - `IMAGE_MISSING`: the image is not on the machine (containers start with `--pull never`).
 * - `PULL_FAILED`: pulling an image failed or timed out.
 * - `OCI_RUNTIME_MISSING`: the engine does not know the selected OCI runtime (`--runtime`).
 * - `CONTAINER_START_FAILED`: the engine refused to start the container for another reason.
 * - `MACHINE_START_FAILED`: `podman machine init`/`start` failed (macOS).
 * - `INVALID_OPTIONS`: an option has a value that cannot be used (`setting` names it: `limits.memory`, `image`, …).
 * - `COMMAND_FAILED`: an engine command failed in a way none of the codes above describes.
 * - `ABORTED`: the caller's `AbortSignal` fired.
 */
export type ContainerRuntimeErrorCode =
  | 'RUNTIME_NOT_FOUND'
  | 'ENGINE_NOT_RESPONDING'
  | 'IMAGE_MISSING'
  | 'PULL_FAILED'
  | 'OCI_RUNTIME_MISSING'
  | 'CONTAINER_START_FAILED'
  | 'MACHINE_START_FAILED'
  | 'INVALID_OPTIONS'
  | 'COMMAND_FAILED'
  | 'ABORTED';

export interface ContainerRuntimeErrorOptions {
  cause?: unknown;
  /** The engine the error is about, when there is one. */
  engine?: string | undefined;
  /** The last lines the engine wrote to stderr, when it wrote any. */
  stderr?: string | undefined;
  /** For `INVALID_OPTIONS`: the option that holds the bad value. */
  setting?: string | undefined;
  /** For `INVALID_OPTIONS`: the bad value. */
  value?: string | undefined;
  /** For `INVALID_OPTIONS`: what a good value looks like (`a size of at least 6m such as 512m or 1g`). */
  expected?: string | undefined;
}

export class ContainerRuntimeError extends Error {
  override readonly name = 'ContainerRuntimeError';
  readonly code: ContainerRuntimeErrorCode;
  readonly engine: string | undefined;
  readonly stderr: string | undefined;
  readonly setting: string | undefined;
  readonly value: string | undefined;
  readonly expected: string | undefined;

  constructor(code: ContainerRuntimeErrorCode, message: string, options: ContainerRuntimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.engine = options.engine;
    this.stderr = options.stderr;
    this.setting = options.setting;
    this.value = options.value;
    this.expected = options.expected;
  }
}

export function isContainerRuntimeError(
  error: unknown,
  code?: ContainerRuntimeErrorCode,
): error is ContainerRuntimeError {
  return error instanceof ContainerRuntimeError && (code === undefined || error.code === code);
}

/** `INVALID_OPTIONS` for the option `setting` holding `value`, saying what a good value looks like. */
export function invalidOption(setting: string, value: string, expected: string): ContainerRuntimeError {
  return new ContainerRuntimeError(
    'INVALID_OPTIONS',
    `Invalid ${setting}=${JSON.stringify(value)}: expected ${expected}. Fix or unset ${setting}.`,
    { setting, value, expected },
  );
}

export function abortedError(reason: unknown): ContainerRuntimeError {
  return new ContainerRuntimeError('ABORTED', 'The operation was aborted by its AbortSignal.', {
    cause: reason,
  });
}

/** The last `maxLines` non-empty lines of an engine's output, trimmed, for error messages. */
export function tail(text: string, maxLines = 8, maxChars = 2000): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  const kept = lines.slice(-maxLines).join('\n');
  return kept.length > maxChars ? `…${kept.slice(-maxChars)}` : kept;
}
