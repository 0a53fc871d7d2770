import type { LineWindow } from './line-scan.js';
import {
  type CharCost,
  codePointLength,
  codePointWidth,
  codePointWidthBefore,
  formatCount,
  textCost,
} from './text-metrics.js';

const plural = (count: number, word: string): string =>
  `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;

/** The marker put in place of characters cut from the middle of one line. */
export function inlineMarker(omittedChars: number): string {
  return `… [truncated: ${plural(omittedChars, 'character')} omitted] …`;
}

/** The line put in place of whole lines cut from the middle of a stream. */
export function lineMarker(omittedChars: number, omittedLines: number): string {
  return `… [truncated: ${plural(omittedChars, 'character')} in ${plural(omittedLines, 'line')} omitted] …`;
}

export interface ShortenLimits {
  /** Most code points to keep, head and tail together. */
  maxKeptChars: number;
  /** Most cost to keep, head and tail together, measured with `cost`. */
  maxKeptCost: number;
  cost: CharCost;
}

export interface Shortened {
  text: string;
  omittedChars: number;
}

/**
 * Keeps the head and tail of `text` within `limits` and puts an inline marker with the exact number of omitted code
 * points between them. Cuts only between code points, so a surrogate pair is never split. Returns undefined when
 * the whole text is within the limits. Scans only the kept ends, so a 20 MB line costs no more than a short one,
 * given its code point count `chars`.
 */
export function shortenLine(text: string, chars: number, limits: ShortenLimits): Shortened | undefined {
  const { cost } = limits;
  const headChars = Math.floor(limits.maxKeptChars / 2);
  const headCost = Math.floor(limits.maxKeptCost / 2);
  let head = 0;
  let keptChars = 0;
  let keptCost = 0;
  while (head < text.length) {
    const width = codePointWidth(text, head);
    const unitCost = cost(text, head, width);
    if (keptChars + 1 > headChars || keptCost + unitCost > headCost) break;
    head += width;
    keptChars++;
    keptCost += unitCost;
  }
  let tail = text.length;
  while (tail > head) {
    const width = codePointWidthBefore(text, tail);
    const unitCost = cost(text, tail - width, width);
    if (keptChars + 1 > limits.maxKeptChars || keptCost + unitCost > limits.maxKeptCost) break;
    tail -= width;
    keptChars++;
    keptCost += unitCost;
  }
  if (tail === head) return undefined;
  const omittedChars = chars - keptChars;
  return { text: text.slice(0, head) + inlineMarker(omittedChars) + text.slice(tail), omittedChars };
}

/** One line of a stream, measured once and shortened to the per-line cap. */
export interface PreparedLine {
  original: string;
  /** Code points in `original`. */
  chars: number;
  /** The line as shown: `original`, or its head and tail around an inline marker when over the per-line cap. */
  shown: string;
  /** Cost of `shown` plus the per-line overhead. */
  cost: number;
  /** Code points the per-line cap removed (0 when the line was not shortened). */
  capped: number;
}

export interface LineCostModel {
  cost: CharCost;
  /** What each line costs beyond its characters: quotes, delimiter, indentation, newline. */
  lineOverhead: number;
  /** The per-line cap in code points. */
  maxLineChars: number;
}

export function prepareLine(original: string, model: LineCostModel): PreparedLine {
  const chars = codePointLength(original);
  let shown = original;
  let capped = 0;
  if (chars > model.maxLineChars) {
    const cut = shortenLine(original, chars, {
      maxKeptChars: model.maxLineChars,
      maxKeptCost: Number.POSITIVE_INFINITY,
      cost: model.cost,
    });
    if (cut) {
      shown = cut.text;
      capped = cut.omittedChars;
    }
  }
  return { original, chars, shown, cost: textCost(shown, model.cost) + model.lineOverhead, capped };
}

export interface LinesCut {
  lines: string[];
  /** Code points omitted in total: whole lines, and the middles of shortened lines. */
  omittedChars: number;
  /** Lines omitted entirely. */
  omittedLines: number;
  /** Lines kept with their middle cut out. */
  shortenedLines: number;
}

/** Below this, a shortened line would show too little to be worth its marker. */
const MIN_KEPT_COST = 16;

function keep(lines: readonly PreparedLine[]): { shown: string[]; omittedChars: number; shortened: number } {
  let omittedChars = 0;
  let shortened = 0;
  const shown = lines.map((line) => {
    if (line.capped > 0) {
      omittedChars += line.capped;
      shortened++;
    }
    return line.shown;
  });
  return { shown, omittedChars, shortened };
}

function shortenWithin(line: PreparedLine, allowance: number, model: LineCostModel): Shortened | undefined {
  const keptCost = allowance - model.lineOverhead - textCost(inlineMarker(line.chars), model.cost);
  if (keptCost < MIN_KEPT_COST) return undefined;
  return shortenLine(line.original, line.chars, {
    maxKeptChars: model.maxLineChars,
    maxKeptCost: keptCost,
    cost: model.cost,
  });
}

/**
 * Cuts a stream of lines to `budget` (in the model's cost units): keeps whole lines from the head and the tail,
 * half the budget each (what the head leaves over goes to the tail), and replaces the lines in between with one
 * marker line that gives the exact number of code points and lines omitted. When only one line is left over, or
 * nothing fits whole, a line is shortened in place instead, so a single huge line still shows its head and tail.
 */
export function cutLines(window: LineWindow, budget: number, model: LineCostModel): LinesCut {
  const lines = [...window.head, ...window.tail];
  const hasMiddle = window.middleLines > 0;
  const total = hasMiddle ? Number.POSITIVE_INFINITY : lines.reduce((sum, line) => sum + line.cost, 0);
  if (total <= budget) {
    const all = keep(lines);
    return {
      lines: all.shown,
      omittedChars: all.omittedChars,
      omittedLines: 0,
      shortenedLines: all.shortened,
    };
  }
  const allChars = lines.reduce((sum, line) => sum + line.chars, 0) + window.middleChars;
  const allLines = lines.length + window.middleLines;
  const markerCost = textCost(lineMarker(allChars, allLines), model.cost) + model.lineOverhead;
  const rest = budget - markerCost;
  if (rest < 0) return { lines: [], omittedChars: allChars, omittedLines: allLines, shortenedLines: 0 };

  // Lines in `window.tail` start at `split`; unprepared middle lines sit between, and neither end may cross them.
  const split = window.head.length;
  let head = 0;
  let headCost = 0;
  const headLimit = hasMiddle ? split : lines.length;
  while (head < headLimit && headCost + lines[head]!.cost <= Math.floor(rest / 2))
    headCost += lines[head++]!.cost;
  let tail = lines.length;
  let tailCost = 0;
  const tailFloor = hasMiddle ? split : head;
  while (tail > tailFloor && headCost + tailCost + lines[tail - 1]!.cost <= rest)
    tailCost += lines[--tail]!.cost;
  const spare = rest - headCost - tailCost;
  const kept = keep([...lines.slice(0, head), ...lines.slice(tail)]);
  const headShown = kept.shown.slice(0, head);
  const tailShown = kept.shown.slice(head);

  if (!hasMiddle && tail - head === 1) {
    // One line left over: shorten it where it stands; without a marker line its budget is spare too.
    const single = shortenWithin(lines[head]!, spare + markerCost, model);
    if (single) {
      return {
        lines: [...headShown, single.text, ...tailShown],
        omittedChars: kept.omittedChars + single.omittedChars,
        omittedLines: 0,
        shortenedLines: kept.shortened + 1,
      };
    }
  }

  let gapStart = head;
  let partial: Shortened | undefined;
  if (head === 0 && tail === lines.length && lines.length > 0) {
    // Nothing fitted whole: show the first line's head and tail rather than a lone marker.
    partial = shortenWithin(lines[0]!, spare, model);
    if (partial) gapStart = 1;
  }
  let gapChars = window.middleChars;
  for (let i = gapStart; i < tail; i++) gapChars += lines[i]!.chars;
  const omittedLines = tail - gapStart + window.middleLines;
  return {
    lines: [
      ...headShown,
      ...(partial ? [partial.text] : []),
      lineMarker(gapChars, omittedLines),
      ...tailShown,
    ],
    omittedChars: kept.omittedChars + gapChars + (partial?.omittedChars ?? 0),
    omittedLines,
    shortenedLines: kept.shortened + (partial ? 1 : 0),
  };
}

/** A window holding exactly `lines`, for parts that are already a list (server names). */
export function windowOf(lines: readonly string[], model: LineCostModel): LineWindow {
  return { head: lines.map((line) => prepareLine(line, model)), tail: [], middleLines: 0, middleChars: 0 };
}
