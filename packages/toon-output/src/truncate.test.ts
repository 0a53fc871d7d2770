import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePoints, markerCounts } from '../test/assertions.js';
import { perCodePoint, quotedCost, rawCost, textCost } from './text-metrics.js';
import { cutLines, inlineMarker, type LineCostModel, lineMarker, shortenLine, windowOf } from './truncate.js';

describe('markers', () => {
  it.each([
    [inlineMarker(1), '… [truncated: 1 character omitted] …'],
    [inlineMarker(12345), '… [truncated: 12,345 characters omitted] …'],
    [lineMarker(12345, 678), '… [truncated: 12,345 characters in 678 lines omitted] …'],
    [lineMarker(5, 1), '… [truncated: 5 characters in 1 line omitted] …'],
  ])('%s', (marker, expected) => {
    expect(marker).toBe(expected);
  });
});

describe('shortenLine', () => {
  const unlimited = Number.POSITIVE_INFINITY;

  it('keeps head and tail and counts the omitted code points exactly', () => {
    const line = `${'a'.repeat(1000)}${'b'.repeat(1000)}`;
    const cut = shortenLine(line, 2000, { maxKeptChars: 100, maxKeptCost: unlimited, cost: perCodePoint });
    expect(cut?.text).toBe(`${'a'.repeat(50)}${inlineMarker(1900)}${'b'.repeat(50)}`);
    expect(cut?.omittedChars).toBe(1900);
  });

  it('returns undefined when the line fits', () => {
    expect(
      shortenLine('short', 5, { maxKeptChars: 10, maxKeptCost: unlimited, cost: perCodePoint }),
    ).toBeUndefined();
  });

  it('respects a cost budget as well as a character budget', () => {
    const line = '"'.repeat(100); // each quote costs 2 inside a quoted string
    const cut = shortenLine(line, 100, { maxKeptChars: 1000, maxKeptCost: 20, cost: quotedCost });
    expect(cut?.text).toBe(`${'"'.repeat(5)}${inlineMarker(90)}${'"'.repeat(5)}`);
  });

  it('never splits a surrogate pair, and its count matches the code points removed', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 100 }),
        (line, keep) => {
          const chars = codePoints(line);
          const cut = shortenLine(line, chars, {
            maxKeptChars: keep,
            maxKeptCost: unlimited,
            cost: perCodePoint,
          });
          if (!cut) {
            expect(chars).toBeLessThanOrEqual(keep);
            return;
          }
          const marker = inlineMarker(cut.omittedChars);
          const at = cut.text.indexOf(marker);
          const head = cut.text.slice(0, at);
          const tail = cut.text.slice(at + marker.length);
          expect(line.startsWith(head) && line.endsWith(tail)).toBe(true);
          expect(head.length + tail.length).toBeLessThan(line.length);
          expect(cut.omittedChars).toBe(chars - codePoints(head) - codePoints(tail));
          expect(codePoints(head) + codePoints(tail)).toBeLessThanOrEqual(keep);
          // A lone surrogate at either edge of the kept text would mean a pair was split.
          expect(/[\ud800-\udbff]$/.test(head)).toBe(false);
          expect(/^[\udc00-\udfff]/.test(tail)).toBe(false);
        },
      ),
    );
  });

  it('handles a 20 MB line by scanning only its ends', () => {
    const line = `${'😀'.repeat(10_000_000)}`;
    const cut = shortenLine(line, 10_000_000, {
      maxKeptChars: 10,
      maxKeptCost: unlimited,
      cost: perCodePoint,
    });
    expect(cut?.text).toBe(`${'😀'.repeat(5)}${inlineMarker(9_999_990)}${'😀'.repeat(5)}`);
  });
});

describe('cutLines', () => {
  const model: LineCostModel = { cost: rawCost, lineOverhead: 1, maxLineChars: 10_000 };
  const prepare = (lines: string[]) => windowOf(lines, model);
  const numbered = (count: number) =>
    Array.from({ length: count }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);

  it('keeps every line when the budget allows', () => {
    const lines = numbered(5);
    expect(cutLines(prepare(lines), 10_000, model)).toEqual({
      lines,
      omittedChars: 0,
      omittedLines: 0,
      shortenedLines: 0,
    });
  });

  it.each([100, 200, 1000, 5000])(
    'keeps a head and a tail of whole lines, with exact counts in between (budget %i)',
    (budget) => {
      const lines = numbered(1000);
      const cut = cutLines(prepare(lines), budget, model);
      const at = cut.lines.findIndex((line) => line.startsWith('… [truncated:'));
      expect(at).toBeGreaterThanOrEqual(0);
      const head = cut.lines.slice(0, at);
      const tail = cut.lines.slice(at + 1);
      expect(head).toEqual(lines.slice(0, head.length));
      expect(tail).toEqual(lines.slice(lines.length - tail.length));
      const omitted = lines.slice(head.length, lines.length - tail.length);
      const expectedChars = omitted.reduce((sum, line) => sum + codePoints(line), 0);
      expect(markerCounts(cut.lines[at]!)).toEqual({ chars: expectedChars, lines: omitted.length });
      expect(cut).toMatchObject({
        omittedChars: expectedChars,
        omittedLines: omitted.length,
        shortenedLines: 0,
      });
      expect(cut.lines.reduce((sum, line) => sum + textCost(line, rawCost) + 1, 0)).toBeLessThanOrEqual(
        budget,
      );
      if (budget >= 200) expect(head.length > 0 && tail.length > 0).toBe(true);
    },
  );

  it('shortens the one line left over instead of dropping it', () => {
    const lines = ['first', 'x'.repeat(5000), 'last'];
    const cut = cutLines(prepare(lines), 300, model);
    expect(cut.lines[0]).toBe('first');
    expect(cut.lines[2]).toBe('last');
    const middle = cut.lines[1]!;
    expect(middle.startsWith('xxx')).toBe(true);
    expect(middle.endsWith('xxx')).toBe(true);
    const kept = middle.length - inlineMarker(markerCounts(middle)!.chars).length;
    expect(markerCounts(middle)).toEqual({ chars: 5000 - kept });
    expect(cut).toMatchObject({ omittedLines: 0, shortenedLines: 1, omittedChars: 5000 - kept });
  });

  it('shows the head and tail of a first line when no line fits whole', () => {
    const lines = ['a'.repeat(3000), 'b'.repeat(3000), 'c'.repeat(3000)];
    const cut = cutLines(prepare(lines), 400, model);
    expect(cut.lines).toHaveLength(2);
    expect(cut.lines[0]).toMatch(/^a+… \[truncated: [\d,]+ characters omitted\] …a+$/);
    expect(markerCounts(cut.lines[1]!)).toEqual({ chars: 6000, lines: 2 });
    const shownA = cut.lines[0]!.length - inlineMarker(markerCounts(cut.lines[0]!)!.chars).length;
    expect(cut.omittedChars).toBe(9000 - shownA);
  });

  it('omits everything when not even the marker fits', () => {
    expect(cutLines(prepare(numbered(100)), 10, model)).toMatchObject({ lines: [], omittedLines: 100 });
  });

  it('counts characters cut by the per-line cap of kept lines', () => {
    const capped: LineCostModel = { ...model, maxLineChars: 100 };
    const lines = ['y'.repeat(1000), 'short'];
    const cut = cutLines(windowOf(lines, capped), 100_000, capped);
    expect(cut.lines[0]).toBe(`${'y'.repeat(50)}${inlineMarker(900)}${'y'.repeat(50)}`);
    expect(cut).toMatchObject({ omittedChars: 900, omittedLines: 0, shortenedLines: 1 });
  });
});
