import { type LineCostModel, type PreparedLine, prepareLine } from './truncate.js';

/**
 * A text split into lines, prepared only where they can be shown: the first lines and the last lines, each run
 * until it costs `window`, are prepared; the lines between them, which no budget can reach, are only counted.
 * That keeps a 5 MB stdout of a million short lines from allocating a million objects.
 */
export interface LineWindow {
  /** The first lines, in order. */
  head: PreparedLine[];
  /** The last lines, in order; empty when `head` already holds every line. */
  tail: PreparedLine[];
  /** Lines between `head` and `tail`, counted but not prepared. */
  middleLines: number;
  /** Code points in those lines. */
  middleChars: number;
}

export interface ScanOptions {
  /** Drop lines that are empty or whitespace only (stdout and stderr), or keep every line (error text, repr). */
  dropBlank: boolean;
  /** Cost after which the head and the tail stop being prepared. */
  window: number;
  model: LineCostModel;
}

/** The characters String.prototype.trim removes: the test for a blank line. */
function isTrimmedSpace(unit: number): boolean {
  return (
    (unit >= 0x09 && unit <= 0x0d) ||
    unit === 0x20 ||
    unit === 0xa0 ||
    unit === 0x1680 ||
    (unit >= 0x2000 && unit <= 0x200a) ||
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0x202f ||
    unit === 0x205f ||
    unit === 0x3000 ||
    unit === 0xfeff
  );
}

const CR = 0x0d;
const LF = 0x0a;

/** Splits on `\r\n`, `\r` and `\n`, like `text.split(/\r\n|\r|\n/)`. */
export function scanLines(text: string, options: ScanOptions): LineWindow {
  const { dropBlank, window, model } = options;
  const keep = (line: string): boolean => !dropBlank || line.trim() !== '';

  // Forward: the head. Break positions are cached so that a text without any \r is not rescanned per line.
  const head: PreparedLine[] = [];
  let headCost = 0;
  let position = 0;
  let nextCr = text.indexOf('\r');
  let nextLf = text.indexOf('\n');
  for (;;) {
    if (nextCr !== -1 && nextCr < position) nextCr = text.indexOf('\r', position);
    if (nextLf !== -1 && nextLf < position) nextLf = text.indexOf('\n', position);
    const end = Math.min(nextCr === -1 ? text.length : nextCr, nextLf === -1 ? text.length : nextLf);
    const line = text.slice(position, end);
    if (keep(line)) {
      const prepared = prepareLine(line, model);
      head.push(prepared);
      headCost += prepared.cost;
    }
    if (end === text.length) return { head, tail: [], middleLines: 0, middleChars: 0 };
    position = end + (text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? 2 : 1);
    if (headCost >= window) break;
  }
  const headStop = position;

  // Backward: the tail, down to where the head stopped at the lowest.
  const tail: PreparedLine[] = [];
  let tailCost = 0;
  let end = text.length;
  let previousCr = text.lastIndexOf('\r');
  let previousLf = text.lastIndexOf('\n');
  for (;;) {
    if (previousCr >= end) previousCr = end > 0 ? text.lastIndexOf('\r', end - 1) : -1;
    if (previousLf >= end) previousLf = end > 0 ? text.lastIndexOf('\n', end - 1) : -1;
    const start = Math.max(Math.max(previousCr, previousLf) + 1, headStop);
    const line = text.slice(start, end);
    if (keep(line)) {
      const prepared = prepareLine(line, model);
      tail.push(prepared);
      tailCost += prepared.cost;
    }
    if (start <= headStop) return { head, tail: tail.reverse(), middleLines: 0, middleChars: 0 };
    const lineBreak = start - 1;
    end =
      text.charCodeAt(lineBreak) === LF && lineBreak > headStop && text.charCodeAt(lineBreak - 1) === CR
        ? lineBreak - 1
        : lineBreak;
    if (tailCost >= window) break;
  }

  // Between them: only count lines and code points.
  let middleLines = 0;
  let middleChars = 0;
  let lineChars = 0;
  let content = false;
  for (let i = headStop; i <= end; i++) {
    const unit = i < end ? text.charCodeAt(i) : LF;
    if (unit === CR || unit === LF) {
      if (!dropBlank || content) {
        middleLines++;
        middleChars += lineChars;
      }
      if (unit === CR && i + 1 < end && text.charCodeAt(i + 1) === LF) i++;
      lineChars = 0;
      content = false;
      continue;
    }
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < end) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    lineChars++;
    if (!content && !isTrimmedSpace(unit)) content = true;
  }
  return { head, tail: tail.reverse(), middleLines, middleChars };
}
