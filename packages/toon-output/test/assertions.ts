// Shared checks for the unit tests: decode a rendered text back to JSON, validate `structured` against the
// published schema with two JSON Schema dialects, and assert the invariants every rendering must keep.
import { decode } from '@toon-format/toon';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import type { OutputMode, RenderResult, StructuredResult } from '../src/index.js';
import { structuredResultSchema, unfence } from '../src/index.js';

const draft07 = new Ajv({ strict: true, allErrors: true }).compile(structuredResultSchema);
const draft2020 = new Ajv2020({ strict: true, allErrors: true }).compile(structuredResultSchema);

/** Schema errors of `structured` under draft-07 and draft 2020-12 (empty when valid under both). */
export function schemaErrors(structured: unknown): string[] {
  const errors: string[] = [];
  for (const [dialect, validate] of [
    ['draft-07', draft07],
    ['2020-12', draft2020],
  ] as const) {
    if (!validate(structured)) {
      for (const error of validate.errors ?? [])
        errors.push(`${dialect} ${error.instancePath} ${error.message}`);
    }
  }
  return errors;
}

/** The JSON a fenced text holds: TOON decoded with the library's decoder, or JSON parsed. */
export function decodeFenced(text: string): { language: string; value: unknown } {
  const block = unfence(text);
  if (!block) throw new Error(`not a single fenced block: ${text.slice(0, 80)}`);
  if (block.language === 'toon') return { language: 'toon', value: decode(block.body) };
  if (block.language === 'json') return { language: 'json', value: JSON.parse(block.body) };
  throw new Error(`unexpected fence language ${block.language}`);
}

/**
 * The invariants of every rendering: text within the cap, `structured` valid against the schema, and for the
 * fenced modes, the text decodes to exactly `structured` (TOON may have fallen back to JSON).
 */
export function expectConsistent(result: RenderResult, mode: OutputMode, maxChars: number): void {
  expect(result.text.length).toBeLessThanOrEqual(maxChars);
  expect(schemaErrors(result.structured)).toEqual([]);
  if (mode === 'compact') {
    expect(result.text.startsWith(result.structured.summary)).toBe(true);
    return;
  }
  const decoded = decodeFenced(result.text);
  if (mode === 'json') expect(decoded.language).toBe('json');
  expect(decoded.value).toEqual(result.structured);
}

/** Numbers in a marker such as `… [truncated: 12,345 characters in 678 lines omitted] …`. */
export function markerCounts(text: string): { chars: number; lines?: number } | undefined {
  const match = /\[truncated: ([\d,]+) characters?(?: in ([\d,]+) lines?)? omitted\]/.exec(text);
  if (!match) return undefined;
  const number = (digits: string) => Number(digits.replaceAll(',', ''));
  return match[2] === undefined
    ? { chars: number(match[1]!) }
    : { chars: number(match[1]!), lines: number(match[2]) };
}

/** Code points, counted independently of the package's own helper. */
export const codePoints = (text: string): number => [...text].length;

export type { StructuredResult };
