import { Transform, type TransformCallback } from 'node:stream';
import { ByteTail } from '@codexec/internal';

/**
 * Passes a container client's stderr through unchanged and remembers its last `limit` bytes, which explain a
 * container that could not start (the engine's own message is the last thing it writes).
 */
export class TailRecorder extends Transform {
  readonly #tail: ByteTail;

  constructor(limit: number) {
    super({ highWaterMark: 64 * 1024 });
    this.#tail = new ByteTail(limit);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#tail.push(chunk);
    callback(null, chunk);
  }

  /** The remembered bytes as UTF-8 text. */
  text(): string {
    return this.#tail.text();
  }
}
