import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePoints } from '../test/assertions.js';
import { scanLines } from './line-scan.js';
import { rawCost } from './text-metrics.js';
import type { LineCostModel } from './truncate.js';

const model: LineCostModel = { cost: rawCost, lineOverhead: 1, maxLineChars: 10_000 };

// Line breaks of every kind, and whitespace that String.prototype.trim removes (or, for U+0085 and U+200B, keeps).
const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '\n',
    '\r',
    '\r\n',
    '\n\r',
    ' ',
    '\t',
    '\u00a0',
    '\u2028',
    '\u3000',
    '\ufeff',
    '\u0085',
    '\u200b',
  ),
  fc.constantFrom('😀', '\ud83d', 'line'),
);
const text = fc.array(piece, { maxLength: 80 }).map((pieces) => pieces.join(''));

describe('scanLines', () => {
  it.each([
    { text: 'a\nb', dropBlank: true, lines: ['a', 'b'] },
    { text: 'a\r\n\r\nb\r', dropBlank: true, lines: ['a', 'b'] },
    { text: 'a\r\n\r\nb\r', dropBlank: false, lines: ['a', '', 'b', ''] },
    { text: ' \t\n\u3000', dropBlank: true, lines: [] },
    { text: 'only', dropBlank: false, lines: ['only'] },
  ])('splits $text (dropBlank $dropBlank)', ({ text, dropBlank, lines }) => {
    const window = scanLines(text, { dropBlank, window: 1000, model });
    expect(window.head.map((line) => line.shown)).toEqual(lines);
    expect(window).toMatchObject({ tail: [], middleLines: 0, middleChars: 0 });
  });

  it('prepares only the ends of a long text and counts the middle exactly', () => {
    fc.assert(
      fc.property(text, fc.boolean(), fc.integer({ min: 1, max: 40 }), (input, dropBlank, size) => {
        const expected = input.split(/\r\n|\r|\n/).filter((line) => !dropBlank || line.trim() !== '');
        const window = scanLines(input, { dropBlank, window: size, model });
        const head = window.head.map((line) => line.original);
        const tail = window.tail.map((line) => line.original);
        expect(head).toEqual(expected.slice(0, head.length));
        expect(tail).toEqual(expected.slice(expected.length - tail.length));
        const middle = expected.slice(head.length, expected.length - tail.length);
        expect(window.middleLines).toBe(middle.length);
        expect(window.middleChars).toBe(middle.reduce((sum, line) => sum + codePoints(line), 0));
        if (window.middleLines > 0) {
          expect(window.head.reduce((sum, line) => sum + line.cost, 0)).toBeGreaterThanOrEqual(size);
          expect(window.tail.reduce((sum, line) => sum + line.cost, 0)).toBeGreaterThanOrEqual(size);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('scans a million lines without preparing them', () => {
    const input = 'row\n'.repeat(1_000_000);
    const window = scanLines(input, { dropBlank: true, window: 1000, model });
    expect(window.head.length + window.tail.length).toBeLessThan(1000);
    expect(window.head.length + window.tail.length + window.middleLines).toBe(1_000_000);
    expect(window.middleChars).toBe(3 * window.middleLines);
  });
});
