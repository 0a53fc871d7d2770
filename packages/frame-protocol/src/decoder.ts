import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { onAbort } from '@codexec/internal';
import { type DecodeErrorCode, FrameProtocolError } from './errors.js';
import { type AnyFrame, DEFAULT_MAX_LINE_BYTES } from './frames.js';
import { acceptedTypes, checkFrame, type DecoderDirection, type FrameOf } from './validation.js';

export type { DecoderDirection, FrameOf } from './validation.js';

/** One decoded line: a frame, or a typed error saying why the line was skipped. */
export type DecodeEvent<F = AnyFrame> =
  | { ok: true; frame: F; line: number }
  | { ok: false; error: FrameProtocolError & { code: DecodeErrorCode } };

export interface FrameDecoderOptions<D extends DecoderDirection = 'any'> {
  /**
   * Frames of which direction to accept. Other types are `UNKNOWN_FRAME_TYPE`.
   * @default 'any'
   */
  direction?: D;
  /**
   * Longest accepted line in bytes, newline excluded. Longer lines are skipped unbuffered.
   * @default DEFAULT_MAX_LINE_BYTES (64 MiB)
   */
  maxLineBytes?: number;
  /**
   * Check each frame against its zod schema and apply defaults. `false` only checks that a line is an object with
   * an accepted `type`: for trusted input and measurements, never for frames from a container.
   * @default true
   */
  validate?: boolean;
}

const NEWLINE = 0x0a;
const EXCERPT_CHARS = 60;
// Bytes decoded to build an excerpt: enough for EXCERPT_CHARS characters of up to 4 bytes each.
const EXCERPT_BYTES = EXCERPT_CHARS * 4;

function excerptOf(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/**
 * Turns a byte stream of NDJSON frames into frames, one line at a time, with the push API: feed chunks of any size
 * and split anywhere (inside a UTF-8 sequence too) to `push`, call `end` when the input ends. Every line yields one
 * event at most: a frame, or a typed error after which decoding goes on with the next line. Nothing is thrown.
 *
 * Chunks are kept by reference until their line is complete: do not modify a buffer after pushing it.
 */
export class FrameDecoder<D extends DecoderDirection = 'any'> {
  readonly #accepted: ReadonlySet<string>;
  readonly #direction: DecoderDirection;
  readonly #maxLineBytes: number;
  readonly #validate: boolean;
  // The start of the current line, in the chunks it arrived in; concatenated once, when its newline arrives.
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  // Set while skipping the rest of a line that was already reported as too long.
  #discarding = false;
  #lineNumber = 0;

  /** @throws {FrameProtocolError} `INVALID_OPTIONS` when `maxLineBytes` is not a positive integer. */
  constructor(options: FrameDecoderOptions<D> = {}) {
    this.#direction = options.direction ?? 'any';
    this.#accepted = acceptedTypes(this.#direction);
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(this.#maxLineBytes) || this.#maxLineBytes < 1) {
      throw new FrameProtocolError(
        'INVALID_OPTIONS',
        `maxLineBytes must be a positive integer, got ${String(options.maxLineBytes)}`,
      );
    }
    this.#validate = options.validate ?? true;
  }

  /** Bytes of an incomplete line held in memory. Never more than `maxLineBytes`. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Number of lines started so far (the line number of the last event). */
  get lineNumber(): number {
    return this.#lineNumber;
  }

  push(chunk: Uint8Array | string): DecodeEvent<FrameOf<D>>[] {
    const events: DecodeEvent<FrameOf<D>>[] = [];
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      const newline = buf.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.#holdTail(buf, start, events);
        break;
      }
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        this.#completeLine(buf, start, newline, events);
      }
      start = newline + 1;
    }
    return events;
  }

  /** Decodes a last line that has no newline. Bytes pushed afterwards start a new line. */
  end(): DecodeEvent<FrameOf<D>>[] {
    const events: DecodeEvent<FrameOf<D>>[] = [];
    if (this.#pendingBytes > 0) {
      this.#lineNumber += 1;
      const text = this.#takePending().toString('utf8');
      this.#decodeLine(text, events);
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
    return events;
  }

  #holdTail(buf: Buffer, start: number, events: DecodeEvent<FrameOf<D>>[]): void {
    if (this.#discarding) return;
    const tail = buf.length - start;
    if (this.#pendingBytes + tail > this.#maxLineBytes) {
      // Report now, while only the limit's worth is held, and drop everything up to the next newline.
      this.#lineNumber += 1;
      events.push(this.#tooLong(buf.subarray(start), this.#pendingBytes + tail, true));
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#discarding = true;
      return;
    }
    this.#pending.push(start === 0 ? buf : buf.subarray(start));
    this.#pendingBytes += tail;
  }

  #completeLine(buf: Buffer, start: number, end: number, events: DecodeEvent<FrameOf<D>>[]): void {
    this.#lineNumber += 1;
    const length = this.#pendingBytes + (end - start);
    if (length > this.#maxLineBytes) {
      events.push(this.#tooLong(buf.subarray(start, end), length, false));
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    let text: string;
    if (this.#pendingBytes === 0) {
      if (end === start) return; // an empty line separates nothing: skip it
      text = buf.toString('utf8', start, end);
    } else {
      this.#pending.push(buf.subarray(start, end));
      this.#pendingBytes = length;
      text = this.#takePending().toString('utf8');
    }
    this.#decodeLine(text, events);
  }

  #takePending(): Buffer {
    const whole =
      this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return whole;
  }

  #decodeLine(text: string, events: DecodeEvent<FrameOf<D>>[]): void {
    const line = this.#lineNumber;
    if (text === '\r') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      events.push(this.#error('INVALID_JSON', `Line ${line} is not JSON`, text, { cause }));
      return;
    }
    const check = checkFrame(value, this.#direction as D, this.#accepted, this.#validate);
    if (check.ok) events.push({ ok: true, frame: check.frame, line });
    else events.push(this.#error(check.code, `Line ${line} ${check.message}`, text));
  }

  #tooLong(last: Buffer, length: number, unterminated: boolean): DecodeEvent<never> {
    const parts: Buffer[] = [];
    let bytes = 0;
    for (let i = 0; i <= this.#pending.length && bytes < EXCERPT_BYTES; i += 1) {
      const part = (this.#pending[i] ?? last).subarray(0, EXCERPT_BYTES - bytes);
      parts.push(part);
      bytes += part.length;
    }
    const text = Buffer.concat(parts, bytes).toString('utf8');
    const size = unterminated ? `more than ${this.#maxLineBytes}` : String(length);
    return this.#error(
      'LINE_TOO_LONG',
      `Line ${this.#lineNumber} is ${size} bytes long, over the limit of ${this.#maxLineBytes} bytes; it was skipped`,
      text,
    );
  }

  #error(
    code: DecodeErrorCode,
    message: string,
    text: string,
    options: { cause?: unknown } = {},
  ): DecodeEvent<never> {
    const excerpt = excerptOf(text);
    const error = new FrameProtocolError(code, `${message} (starts with ${JSON.stringify(excerpt)})`, {
      ...options,
      line: this.#lineNumber,
      excerpt,
    }) as FrameProtocolError & { code: DecodeErrorCode };
    return { ok: false, error };
  }
}

/**
 * The decoder as a Transform stream: bytes in, `DecodeEvent` objects out. Iterate it with `for await`, or pipe a
 * readable into it.
 */
export class FrameDecodeStream<D extends DecoderDirection = 'any'> extends Transform {
  readonly decoder: FrameDecoder<D>;

  /** @throws {FrameProtocolError} `INVALID_OPTIONS` when `maxLineBytes` is not a positive integer. */
  constructor(options: FrameDecoderOptions<D> = {}) {
    super({ readableObjectMode: true });
    this.decoder = new FrameDecoder(options);
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const event of this.decoder.push(chunk)) this.push(event);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    for (const event of this.decoder.end()) this.push(event);
    callback();
  }

  override [Symbol.asyncIterator](): AsyncIterableIterator<DecodeEvent<FrameOf<D>>> {
    return super[Symbol.asyncIterator]();
  }
}

function isNodeReadable(value: unknown): value is Readable {
  return (
    typeof (value as Readable | undefined)?.destroy === 'function' && 'readableEnded' in (value as object)
  );
}

/**
 * Decodes a readable byte stream into events until it ends. When `signal` aborts, the iteration ends at once (even
 * while waiting for data) and the stream is released: a Node readable is destroyed, as leaving a `for await`
 * loop early does.
 * @throws {FrameProtocolError} `INVALID_OPTIONS` (from the iteration) for a `maxLineBytes` that is not a positive integer; a stream error is
 * thrown by the iteration too, as the stream's own iterator would.
 */
export async function* decodeFrames<D extends DecoderDirection = 'any'>(
  readable: Readable | AsyncIterable<Uint8Array | string>,
  options: FrameDecoderOptions<D> & { signal?: AbortSignal } = {},
): AsyncGenerator<DecodeEvent<FrameOf<D>>, void, undefined> {
  const { signal } = options;
  const decoder = new FrameDecoder<D>(options);
  const iterator = (readable as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  let detach = (): void => {};
  const aborted = new Promise<'aborted'>((resolve) => {
    detach = onAbort(signal, () => resolve('aborted'));
  });
  try {
    while (true) {
      const next = signal ? await Promise.race([iterator.next(), aborted]) : await iterator.next();
      if (next === 'aborted') {
        // Not awaited: an async iterator queues `return` behind the `next` that is still waiting for data.
        if (isNodeReadable(readable)) readable.destroy();
        iterator.return?.().catch(() => {});
        return;
      }
      if (next.done) break;
      yield* decoder.push(next.value);
    }
    yield* decoder.end();
  } finally {
    detach();
  }
}
