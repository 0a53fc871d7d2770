import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { estimateTokens } from './token-estimate.js';

const o200k = new Tiktoken(o200kBase);

describe('estimateTokens', () => {
  // The estimate against o200k_base itself: equal where every piece is a common word, a number or JSON's punctuation;
  // a leading delimiter that merging splits off a word (`,Crash`) or a long run of one character differ.
  it.each([
    { text: '', pieces: 0, tokens: 0 },
    { text: 'status: success', pieces: 3, tokens: 3 },
    { text: '{"status":"success"}', pieces: 5, tokens: 5 },
    { text: '"},{"', pieces: 1, tokens: 1 },
    { text: 'durationMs: 123456', pieces: 6, tokens: 6 },
    { text: 'stdout[2]: a,b', pieces: 6, tokens: 6 },
    { text: '\n  1200,Crash when parsing', pieces: 8, tokens: 9 },
    { text: '='.repeat(40), pieces: 5, tokens: 2 },
  ])('$text: $pieces pieces ($tokens tokens)', ({ text, pieces, tokens }) => {
    expect(estimateTokens(text)).toBe(pieces);
    expect(o200k.encode(text)).toHaveLength(tokens);
  });

  it('takes any string, lone surrogates included, in linear time', () => {
    expect(estimateTokens('a\ud800b\udc00😀')).toBeGreaterThan(0);
    const started = performance.now();
    expect(estimateTokens(`${' '.repeat(1_000_000)}x${'\n '.repeat(500_000)}`)).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
