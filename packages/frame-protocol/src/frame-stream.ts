import type { Readable, Writable } from 'node:stream';
import { untilAborted } from '@codexec/internal';
import type { DecodeEvent, DecoderDirection, FrameDecoder } from './decoder.js';
import { abortedError, type FrameProtocolError } from './errors.js';

/** Why the streams stopped: the peer's stream ended (or closed), or a stream failed. */
export type StreamEnd = { reason: 'ended' } | { reason: 'errored'; error: Error };

export interface FrameStreamOptions {
  /** Bytes from the peer. */
  readable: Readable;
  /** Lines to the peer. */
  writable: Writable;
  decoder: FrameDecoder<DecoderDirection>;
  /** Each decoded line, in order, until `stop()`. */
  onEvent(event: DecodeEvent<unknown>): void;
  /** Called on every end, close or error of either stream, also after `stop()`; the owner keeps the first. */
  onEnd(end: StreamEnd): void;
  /** The error a write is refused with after `stop()`. */
  closedError(): FrameProtocolError;
}

/**
 * The byte side of a frame channel: decodes what the readable brings, and writes lines to the writable one at a
 * time, in the order they were given, each only after the writable took the one before without going over its
 * buffer limit (or drained again), so backpressure reaches the sender.
 */
export class FrameStream {
  readonly #writable: Writable;
  readonly #closedError: () => FrameProtocolError;
  #stopped = false;
  // Every write waits for the one before it, so frames keep their order and backpressure holds.
  #writeChain: Promise<void> = Promise.resolve();
  #drainWaiter: { resolve(): void; reject(error: Error): void } | undefined;

  constructor(options: FrameStreamOptions) {
    const { readable, writable, decoder, onEvent, onEnd } = options;
    this.#writable = writable;
    this.#closedError = options.closedError;
    readable.on('data', (chunk: Buffer | string) => {
      if (this.#stopped) return;
      for (const event of decoder.push(chunk)) onEvent(event);
    });
    readable.on('end', () => {
      if (this.#stopped) return;
      for (const event of decoder.end()) onEvent(event);
      onEnd({ reason: 'ended' });
    });
    readable.on('close', () => onEnd({ reason: 'ended' }));
    // Listeners stay attached after stop: a stream error with no listener would crash the process.
    readable.on('error', (error: Error) => onEnd({ reason: 'errored', error }));
    writable.on('error', (error: Error) => onEnd({ reason: 'errored', error }));
    writable.on('close', () => onEnd({ reason: 'ended' }));
    writable.on('drain', () => {
      const waiter = this.#drainWaiter;
      this.#drainWaiter = undefined;
      waiter?.resolve();
    });
  }

  /**
   * Writes one line after every line given before it. Resolves when the writable has taken it without going over
   * its buffer limit, or has drained again.
   * @throws {FrameProtocolError} (rejects) `ABORTED` when `signal` fires before the line was written (it then never
   * is), or the `closedError()` after `stop()`.
   */
  write(line: string, signal?: AbortSignal): Promise<void> {
    const turn = this.#writeChain.then(async () => {
      if (this.#stopped) throw this.#closedError();
      if (signal?.aborted) throw abortedError('send', signal);
      if (this.#writable.write(line)) return;
      await new Promise<void>((resolve, reject) => {
        this.#drainWaiter = { resolve, reject };
      });
    });
    this.#writeChain = turn.catch(() => {});
    if (!signal) return turn;
    // A line still waiting for its turn is not written once its signal fires; the caller is told at once.
    return untilAborted(turn, signal).catch((error: unknown) => {
      throw error === signal.reason && signal.aborted ? abortedError('send', signal) : error;
    });
  }

  /** Stops reading and writing: lines not written yet are refused, and a write waiting for `drain` rejects. */
  stop(): void {
    this.#stopped = true;
    const waiter = this.#drainWaiter;
    this.#drainWaiter = undefined;
    waiter?.reject(this.#closedError());
  }

  /** Ends the writable, unless it has ended or been destroyed. The readable is left to its owner. */
  endWritable(): void {
    if (!this.#writable.writableEnded && !this.#writable.destroyed) this.#writable.end();
  }
}
