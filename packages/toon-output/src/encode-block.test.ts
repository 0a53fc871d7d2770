import { encode } from '@toon-format/toon';
import { describe, expect, it } from 'vitest';
import { decodeFenced } from '../test/assertions.js';
import { indentedJsonBlock, smallestBlock } from './encode-block.js';
import type { JsonValue } from './json-value.js';

const table = Array.from({ length: 20 }, (_, id) => ({ id, name: `user ${id}`, active: id % 2 === 0 }));

describe('smallestBlock', () => {
  it.each<{ label: string; value: JsonValue; language: string }>([
    {
      label: 'a small result',
      value: { status: 'success', summary: 'Success', stdout: ['hi'] },
      language: 'json',
    },
    { label: 'a table', value: { status: 'success', value: table }, language: 'toon' },
  ])('$label: the form with fewer tokens ($language), decoding to the value', ({ value, language }) => {
    const text = smallestBlock(value, encode, 100_000);
    expect(decodeFenced(text)).toEqual({ language, value });
    if (language === 'json') expect(text).toBe(`\`\`\`json\n${JSON.stringify(value)}\n\`\`\``);
  });

  // An encoder whose output is long but cheap (one run of letters) tells the cap's rule from the token rule.
  const long = (value: JsonValue): string => `${encode(value)}\nnote: ${'a'.repeat(5000)}`;

  it('never picks a form over the cap while the other fits', () => {
    const value = { value: table };
    expect(smallestBlock(value, long, 100_000).startsWith('```toon\n')).toBe(true);
    expect(smallestBlock(value, long, 2000)).toBe(`\`\`\`json\n${JSON.stringify(value)}\n\`\`\``);
  });

  it('gives the shorter form when neither fits, for the caller to cut', () => {
    expect(smallestBlock({ value: table }, encode, 10).startsWith('```toon\n')).toBe(true);
    expect(smallestBlock({ a: 1 }, long, 10)).toBe('```json\n{"a":1}\n```');
  });

  it('gives the JSON block when the encoder throws or returns no string', () => {
    const value = { value: table };
    const expected = `\`\`\`json\n${JSON.stringify(value)}\n\`\`\``;
    const broken = () => {
      throw new Error('encoder broke');
    };
    expect(smallestBlock(value, broken, 100_000)).toBe(expected);
    expect(smallestBlock(value, () => undefined as unknown as string, 100_000)).toBe(expected);
  });
});

describe('indentedJsonBlock', () => {
  it('indents by two spaces, as the json mode always has', () => {
    expect(indentedJsonBlock({ a: [1] })).toBe('```json\n{\n  "a": [\n    1\n  ]\n}\n```');
  });
});
