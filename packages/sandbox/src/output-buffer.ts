/**
 * Output of one stream, bounded: at most `maxBytes` UTF-8 bytes are kept, the first half and the last half of what
 * arrived, so the start of a traceback and the end of a long log both survive. Pure: no I/O.
 */
export class OutputBuffer {
  readonly #headLimit: number;
  readonly #tailLimit: number;
  #head = '';
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #totalBytes = 0;

  constructor(maxBytes: number) {
    this.#headLimit = Math.ceil(maxBytes / 2);
    this.#tailLimit = Math.floor(maxBytes / 2);
  }

  append(text: string): void {
    if (text.length === 0) return;
    let bytes = Buffer.from(text, 'utf8');
    this.#totalBytes += bytes.length;
    const room = this.#headLimit - this.#headBytes;
    if (room > 0) {
      const cut = bytes.length <= room ? bytes.length : charBoundary(bytes, room);
      this.#head += bytes.subarray(0, cut).toString('utf8');
      this.#headBytes += cut;
      bytes = bytes.subarray(cut);
      if (bytes.length === 0) return;
    }
    this.#tail.push(bytes);
    this.#tailBytes += bytes.length;
    while (this.#tailBytes > this.#tailLimit) {
      const first = this.#tail[0]!;
      const excess = this.#tailBytes - this.#tailLimit;
      if (first.length <= excess) {
        this.#tail.shift();
        this.#tailBytes -= first.length;
      } else {
        const cut = charBoundaryUp(first, excess);
        this.#tail[0] = first.subarray(cut);
        this.#tailBytes -= cut;
      }
    }
  }

  /** Bytes that arrived. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Bytes that arrived but are not kept. */
  get droppedBytes(): number {
    return this.#totalBytes - this.#headBytes - this.#tailBytes;
  }

  get truncated(): boolean {
    return this.droppedBytes > 0;
  }

  /** The kept text; where bytes were dropped, a marker line says how many. */
  text(stream: 'stdout' | 'stderr'): string {
    const tail = Buffer.concat(this.#tail, this.#tailBytes).toString('utf8');
    if (!this.truncated) return this.#head + tail;
    const dropped = this.droppedBytes.toLocaleString('en-US');
    return `${this.#head}\n… [${stream} truncated in the sandbox: ${dropped} bytes omitted] …\n${tail}`;
  }
}

/** The largest index <= `at` that starts a UTF-8 character. */
function charBoundary(bytes: Buffer, at: number): number {
  let index = at;
  while (index > 0 && (bytes[index]! & 0xc0) === 0x80) index -= 1;
  return index;
}

/** The smallest index >= `at` that starts a UTF-8 character (or the end). */
function charBoundaryUp(bytes: Buffer, at: number): number {
  let index = at;
  while (index < bytes.length && (bytes[index]! & 0xc0) === 0x80) index += 1;
  return index;
}
