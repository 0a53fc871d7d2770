import { encode } from '@toon-format/toon';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointLength, formatCount, quotedCost, textCost } from './text-metrics.js';

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['😀', 1],
    ['a😀b', 3],
    ['\ud800', 1],
    ['\udc00\ud800', 2],
    ['\ud83d\ude00\ud83d', 2],
    ['é', 1],
    ['e\u0301', 2],
  ])('%j has %i code points', (text, expected) => {
    expect(codePointLength(text)).toBe(expected);
  });

  it('agrees with the string iterator on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => codePointLength(text) === [...text].length),
    );
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [12345, '12,345'],
    [1234567, '1,234,567'],
    [-4200, '-4,200'],
  ])('%i -> %s', (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });
});

describe('quotedCost', () => {
  it('bounds the quoted size of a string in JSON and in TOON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const bound = textCost(text, quotedCost) + 2;
        expect(JSON.stringify(text).length).toBeLessThanOrEqual(bound);
        let toon: string | undefined;
        try {
          toon = encode([text]);
        } catch {
          return; // unpaired surrogates: TOON refuses, the renderer falls back to JSON
        }
        expect(toon.length - '[1]: '.length).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 500 },
    );
  });
});
