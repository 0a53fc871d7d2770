import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePoints, decodeFenced, markerCounts } from '../test/assertions.js';
import { toJsonValue } from './json-value.js';
import { MIN_MAX_CHARS, OUTPUT_MODES } from './options.js';
import { renderValue } from './render-value.js';

const users = [
  { id: 1, name: 'Ada', role: 'admin' },
  { id: 2, name: 'Bob', role: 'user' },
];

describe('renderValue', () => {
  it.each([
    {
      label: 'uniform objects become a TOON table',
      value: { users },
      options: {},
      text: '```toon\nusers[2]{id,name,role}:\n  1,Ada,admin\n  2,Bob,user\n```',
    },
    {
      label: 'a top-level uniform array too',
      value: users,
      options: {},
      text: '```toon\n[2]{id,name,role}:\n  1,Ada,admin\n  2,Bob,user\n```',
    },
    {
      label: 'json mode',
      value: { a: [1, 2] },
      options: { mode: 'json' as const },
      text: '```json\n{\n  "a": [\n    1,\n    2\n  ]\n}\n```',
    },
    {
      label: 'unfenced',
      value: { a: 1 },
      options: { fence: false },
      text: 'a: 1',
    },
    {
      label: 'compact shows a string as it is',
      value: 'line one\nline two',
      options: { mode: 'compact' as const },
      text: 'line one\nline two',
    },
    {
      label: 'compact shows other values as unfenced TOON',
      value: { users },
      options: { mode: 'compact' as const },
      text: 'users[2]{id,name,role}:\n  1,Ada,admin\n  2,Bob,user',
    },
    {
      label: 'non-JSON values are made JSON-safe',
      value: { big: 2n ** 64n, when: new Date(0), gone: undefined, list: new Set(['a']) },
      options: {},
      text: '```toon\nbig: "18446744073709551616"\nwhen: "1970-01-01T00:00:00.000Z"\nlist[1]: a\n```',
    },
    {
      label: 'a string TOON cannot encode falls back to JSON',
      value: { s: '\ud800' },
      options: {},
      text: '```json\n{\n  "s": "\\ud800"\n}\n```',
    },
  ])('$label', ({ value, options, text }) => {
    expect(renderValue(value, options)).toBe(text);
  });

  it('cuts a table too big for the cap, keeping header, head and tail rows, with exact counts', () => {
    const rows = Array.from({ length: 5000 }, (_, id) => ({
      id,
      name: `name ${id}`,
      tag: 'ü'.repeat(id % 5),
    }));
    const full = renderValue(rows, { fence: false }).split('\n');
    const text = renderValue(rows, { maxChars: 3000 });
    expect(text.length).toBeLessThanOrEqual(3000);
    const lines = text.split('\n').slice(1, -1);
    const at = lines.findIndex((line) => markerCounts(line)?.lines !== undefined);
    const head = lines.slice(0, at);
    const tail = lines.slice(at + 1);
    expect(head[0]).toBe('[5000]{id,name,tag}:');
    expect(head).toEqual(full.slice(0, head.length));
    expect(tail).toEqual(full.slice(full.length - tail.length));
    const omitted = full.slice(head.length, full.length - tail.length);
    expect(markerCounts(lines[at]!)).toEqual({
      chars: omitted.reduce((sum, line) => sum + codePoints(line), 0),
      lines: omitted.length,
    });
  });

  it.each(OUTPUT_MODES)('%s: never throws and stays under the cap for any value', (mode) => {
    fc.assert(
      fc.property(
        fc.anything({ maxDepth: 3 }),
        fc.integer({ min: MIN_MAX_CHARS, max: 5000 }),
        (value, maxChars) => {
          expect(renderValue(value, { mode, maxChars }).length).toBeLessThanOrEqual(maxChars);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes back to the JSON value when it fits', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const { value: decoded } = decodeFenced(renderValue(value));
        expect(decoded).toEqual(toJsonValue(value));
      }),
      { numRuns: 300 },
    );
  });
});
