import { describe, expect, it } from 'vitest';
import { fence, unfence } from './fence.js';

describe('fence', () => {
  it.each([
    { body: 'a: 1', expected: '```toon\na: 1\n```' },
    { body: 'x: "```"', expected: '```toon\nx: "```"\n```' },
    { body: '  ```', expected: '````toon\n  ```\n````' },
    { body: 'a\n`````\nb', expected: '``````toon\na\n`````\nb\n``````' },
    { body: '    ```', expected: '```toon\n    ```\n```' },
  ])('wraps $body so no body line can close it', ({ body, expected }) => {
    const text = fence(body, 'toon');
    expect(text).toBe(expected);
    expect(unfence(text)).toEqual({ language: 'toon', body });
  });

  it('unfence rejects text that is not one block', () => {
    expect(unfence('plain')).toBeUndefined();
    expect(unfence('```toon\na\n```\nafter')).toBeUndefined();
  });
});
