import { onAbort } from '@codexec/internal';
import type { DecodeEvent } from './decoder.js';
import { abortedError, FrameProtocolError } from './errors.js';
import { type HelloFrame, PROTOCOL_VERSION } from './frames.js';
import { armTimeout } from './timeout.js';

/**
 * Checks the runtime's `hello` against the protocol this package speaks. `protocol` is the major version: peers of
 * different majors cannot talk, and the host must stop the runtime.
 * @throws {FrameProtocolError} `VERSION_MISMATCH` for a hello of another major version.
 */
export function checkHello(hello: HelloFrame): void {
  if (hello.protocol !== PROTOCOL_VERSION) {
    throw new FrameProtocolError(
      'VERSION_MISMATCH',
      `The sandbox runtime speaks frame protocol ${hello.protocol}, but this host speaks ${PROTOCOL_VERSION}: ` +
        'use a runtime and a host from the same release (update @codexec/sandbox, or the runtime it sends)',
    );
  }
}

/**
 * The hello handshake of one channel: the first thing the peer sends must be a `hello` of this protocol version.
 * It remembers that first thing (a frame, a line that was no frame, or the channel closing first), so a wait that
 * starts after the hello arrived still sees it.
 */
export class HelloHandshake {
  readonly #peer: string;
  readonly #first: Promise<HelloFrame>;
  #settle!: (first: DecodeEvent<unknown> | { closed: FrameProtocolError }) => void;

  /** `peer` names the other side in messages (`runtime`). */
  constructor(peer: string) {
    this.#peer = peer;
    this.#first = new Promise<HelloFrame>((resolve, reject) => {
      this.#settle = (first) => {
        this.#settle = () => {};
        try {
          resolve(this.#helloOf(first));
        } catch (error) {
          reject(error);
        }
      };
    });
    // Nobody may ever wait for it (the runtime side does not).
    this.#first.catch(() => {});
  }

  /** Hands over a decoded line; only the first one counts. */
  observe(event: DecodeEvent<unknown>): void {
    this.#settle(event);
  }

  /** The channel closed; a wait for a hello that never came rejects with `error`. */
  close(error: FrameProtocolError): void {
    this.#settle({ closed: error });
  }

  /**
   * Waits for the hello, at most `timeoutMs` (`Infinity`: no limit).
   * @throws {FrameProtocolError} (rejects) `VERSION_MISMATCH`, `HANDSHAKE_FAILED` (something else came first),
   * `TIMEOUT`, `ABORTED`, or the error the channel closed with (`CLOSED`).
   */
  wait(options: { signal?: AbortSignal | undefined; timeoutMs: number }): Promise<HelloFrame> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(abortedError('hello', signal));
    return new Promise((resolve, reject) => {
      const detach = onAbort(signal, () => {
        done();
        reject(abortedError('hello', signal!));
      });
      const disarm = armTimeout(timeoutMs, () => {
        done();
        reject(
          new FrameProtocolError(
            'TIMEOUT',
            `The ${this.#peer} sent no hello within ${timeoutMs} ms: check that the container started and ` +
              'runs the codexec runtime (its stderr says more)',
          ),
        );
      });
      function done(): void {
        disarm();
        detach();
      }
      this.#first.then(
        (hello) => {
          done();
          resolve(hello);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  #helloOf(first: DecodeEvent<unknown> | { closed: FrameProtocolError }): HelloFrame {
    if ('closed' in first) throw first.closed;
    if (!first.ok) {
      throw new FrameProtocolError(
        'HANDSHAKE_FAILED',
        `The ${this.#peer}'s first line was not a hello frame (${first.error.message}): check that the ` +
          'container runs the codexec runtime and look at its stderr',
        { cause: first.error, line: first.error.line, excerpt: first.error.excerpt },
      );
    }
    const frame = first.frame as { type: string };
    if (frame.type !== 'hello') {
      throw new FrameProtocolError(
        'HANDSHAKE_FAILED',
        `The ${this.#peer}'s first frame was "${frame.type}", not "hello": the runtime must announce its ` +
          'protocol version before anything else',
      );
    }
    checkHello(frame as HelloFrame);
    return frame as HelloFrame;
  }
}
