/** Keeping the end of what a process wrote: the last bytes, or the last lines. */

/** The last `limit` bytes of a stream of chunks, holding no more than `limit` plus one chunk. */
export class ByteTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** The kept bytes as UTF-8 text (a character cut at the start shows as U+FFFD). */
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

/**
 * The last lines of a stream of text chunks (a line may span chunks): a bounded ring, each line cut to a maximum
 * length.
 */
export class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = 50,
    private readonly maxLineLength = 1000,
  ) {}

  /** Adds a chunk; returns the lines it completed. */
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = this.cut(parts.pop() ?? '');
    const complete = parts.map((line) => this.cut(line.replace(/\r$/, '')));
    for (const line of complete) this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    return complete;
  }

  /** The remembered lines, oldest first, including an unfinished last line. */
  snapshot(): string[] {
    return this.partial === '' ? [...this.lines] : [...this.lines, this.partial].slice(-this.maxLines);
  }

  private cut(line: string): string {
    return line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line;
  }
}
