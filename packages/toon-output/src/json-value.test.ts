import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, toJsonValue } from './json-value.js';

describe('toJsonValue', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const shared = { x: 1 };
  const throwing = {
    get boom(): never {
      throw new Error('getter failed');
    },
  };

  it.each([
    { label: 'primitives', input: ['a', 1, true, null], expected: ['a', 1, true, null] },
    { label: 'non-finite numbers and -0', input: [Number.NaN, Infinity, -0], expected: [null, null, 0] },
    {
      label: 'undefined in arrays and objects',
      input: { a: undefined, b: [undefined] },
      expected: { b: [null] },
    },
    { label: 'functions and symbols', input: { f: () => 1, s: Symbol('x'), k: 1 }, expected: { k: 1 } },
    { label: 'BigInt', input: [10n, 2n ** 70n], expected: [10, '1180591620717411303424'] },
    { label: 'Date via toJSON', input: new Date(0), expected: '1970-01-01T00:00:00.000Z' },
    {
      label: 'Map and Set',
      input: { m: new Map([[1, 'a']]), s: new Set([1, 2]) },
      expected: { m: { 1: 'a' }, s: [1, 2] },
    },
    { label: 'cycles', input: cyclic, expected: { name: 'loop', self: '[Circular]' } },
    { label: 'shared, non-cyclic references', input: [shared, shared], expected: [{ x: 1 }, { x: 1 }] },
    {
      label: 'throwing getters',
      input: { ok: 1, bad: throwing },
      expected: { ok: 1, bad: '[Unserializable]' },
    },
    { label: 'unserialisable top level', input: undefined, expected: null },
  ])('$label', ({ input, expected }) => {
    expect(toJsonValue(input)).toEqual(expected);
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const copy = toJsonValue(parsed) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let value: unknown = toJsonValue(deep);
    let depth = 0;
    while (Array.isArray(value)) {
      value = value[0];
      depth++;
    }
    expect(depth).toBe(MAX_JSON_DEPTH);
    expect(value).toBe('[Too deep]');
  });
});
