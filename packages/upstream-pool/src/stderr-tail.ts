/**
 * The last lines a process wrote to stderr: a bounded ring of lines, each cut to a maximum length, fed with raw
 * chunks (a line may span chunks). Kept across restarts so a failure report shows what the server said last.
 */
export class StderrTail {
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
    for (const line of complete) this.add(line);
    return complete;
  }

  /** The remembered lines, oldest first, including an unfinished last line. */
  snapshot(): string[] {
    return this.partial === '' ? [...this.lines] : [...this.lines, this.partial].slice(-this.maxLines);
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  private cut(line: string): string {
    return line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)}…` : line;
  }
}
