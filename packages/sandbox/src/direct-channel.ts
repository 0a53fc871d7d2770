import { SandboxError, type SandboxErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/** `SandboxOptions.directChannel`: `'auto'` uses it where the runtime `passesDescriptors`. */
export type DirectChannelOption = 'auto' | boolean;

/** Checks `directChannel`; throws `SandboxError` `INVALID_OPTIONS` for anything but `'auto'`, true or false. */
export function resolveDirectChannel(option: unknown): DirectChannelOption {
  if (option === undefined) return 'auto';
  if (option === 'auto' || option === true || option === false) return option;
  throw new SandboxError(
    'INVALID_OPTIONS',
    `directChannel must be 'auto', true or false, got ${JSON.stringify(option) ?? String(option)}`,
  );
}

/** Start failures a start over stdio would meet just the same: the engine, the image, the package itself. */
const NOT_THE_CHANNEL: ReadonlySet<SandboxErrorCode> = new Set([
  'ENGINE_UNAVAILABLE',
  'IMAGE_MISSING',
  'RUNTIME_SOURCE_MISSING',
  'CLOSED',
]);

/**
 * Whether a failed start over the direct channel may be the channel's fault (the engine refused `--preserve-fds`,
 * the socket could not be made, the runtime did not find it, the handshake over it failed or timed out), so that a
 * start over stdio is worth trying. Pure.
 */
export function mayBeTheChannel(error: unknown): boolean {
  return !(error instanceof SandboxError && NOT_THE_CHANNEL.has(error.code));
}

export interface ChannelChoiceOptions {
  option: DirectChannelOption;
  /** `runtime.passesDescriptors`. */
  passesDescriptors: boolean;
  logger: Logger;
}

/**
 * Which channel a sandbox's containers start with, falling back to stdio where the direct channel cannot work.
 * `start(attempt, signal)` tries the direct channel while it is on; when that start fails in a way the channel may
 * be to blame for, it starts the same container over stdio, and if that one starts, the direct channel is off for
 * the rest of the sandbox's life, said once in the log. When the stdio start fails too, the channel was not the
 * cause: that failure is the start's, and the direct channel stays on. So no run fails for the direct channel.
 */
export class ChannelChoice {
  readonly #logger: Logger;
  #direct: boolean;
  #said = false;

  constructor(options: ChannelChoiceOptions) {
    this.#logger = options.logger;
    this.#direct = options.option !== false && options.passesDescriptors;
    if (options.option === true && !options.passesDescriptors) {
      this.#off(
        'info',
        'this runtime cannot pass a descriptor into a container: it is docker, a remote podman, or not on Linux',
      );
    }
  }

  /** Whether the next start tries the direct channel. */
  get direct(): boolean {
    return this.#direct;
  }

  async start<T>(attempt: (direct: boolean) => Promise<T>, signal: AbortSignal): Promise<T> {
    if (!this.#direct) return attempt(false);
    let failure: unknown;
    try {
      return await attempt(true);
    } catch (error) {
      if (signal.aborted || !mayBeTheChannel(error)) throw error;
      failure = error;
    }
    let started: T;
    try {
      started = await attempt(false);
    } catch (error) {
      this.#logger.debug('a start failed over the direct channel and over stdio: not the channel', {
        direct: describe(failure),
      });
      throw error;
    }
    this.#off('warn', `a container failed to start with it and started over stdio: ${describe(failure)}`);
    return started;
  }

  #off(level: 'info' | 'warn', why: string): void {
    this.#direct = false;
    if (this.#said) return;
    this.#said = true;
    this.#logger[level](
      `direct channel off: frames travel over the engine's stdio for this sandbox (${why})`,
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
