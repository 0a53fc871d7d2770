import { encode } from '@toon-format/toon';
import { describe, expect, it } from 'vitest';
import { codePoints, expectConsistent, markerCounts } from '../test/assertions.js';
import type { JsonValue } from './json-value.js';
import { DEFAULT_MAX_CHARS, MIN_MAX_CHARS, OUTPUT_MODES } from './options.js';
import { render } from './render.js';
import type { RunOutcome } from './run-outcome.js';

const isLineMarker = (line: string) => markerCounts(line)?.lines !== undefined;

/**
 * Checks a cut stream against the original lines: the kept lines are an exact head and tail of the original, and
 * the marker between them states exactly the code points and lines in between, counted here independently.
 */
function expectHeadAndTail(original: string[], shown: string[] | undefined) {
  expect(shown).toBeDefined();
  const at = shown!.findIndex(isLineMarker);
  expect(at).toBeGreaterThanOrEqual(0);
  const head = shown!.slice(0, at);
  const tail = shown!.slice(at + 1);
  expect(head.length).toBeGreaterThan(0);
  expect(tail.length).toBeGreaterThan(0);
  expect(head).toEqual(original.slice(0, head.length));
  expect(tail).toEqual(original.slice(original.length - tail.length));
  const omitted = original.slice(head.length, original.length - tail.length);
  const chars = omitted.reduce((sum, line) => sum + codePoints(line), 0);
  expect(markerCounts(shown![at]!)).toEqual({ chars, lines: omitted.length });
  return { omittedChars: chars, omittedLines: omitted.length, keptLines: head.length + tail.length };
}

/** About 5 MB of numbered lines with multi-byte characters, and some blank lines that must not be counted. */
function bigStdout(): { text: string; lines: string[] } {
  const lines: string[] = [];
  const parts: string[] = [];
  for (let i = 0; i < 90_000; i++) {
    const line = `${i} résumé ${'▓'.repeat(i % 40)} 😀 ${'x'.repeat(i % 13)}`;
    lines.push(line);
    parts.push(line);
    if (i % 1000 === 0) parts.push('   ');
  }
  return { text: parts.join('\n'), lines };
}

describe('render caps huge output', () => {
  const big = bigStdout();

  it.each(OUTPUT_MODES)('%s: 5 MB of lines keeps head and tail with exact counts, under the cap', (mode) => {
    expect(Buffer.byteLength(big.text)).toBeGreaterThan(5_000_000);
    const stderr = 'one warning\nand another';
    const result = render({ status: 'success', stdout: big.text, stderr }, { mode });
    expectConsistent(result, mode, DEFAULT_MAX_CHARS);
    expect(result.text.length).toBeGreaterThan(DEFAULT_MAX_CHARS * 0.9);
    const counts = expectHeadAndTail(big.lines, result.structured.stdout);
    // The small stream is not cut to make room for the big one.
    expect(result.structured.stderr).toEqual(['one warning', 'and another']);
    expect(result.structured.truncated).toEqual({
      stdout: { omittedChars: counts.omittedChars, omittedLines: counts.omittedLines },
    });
    if (mode === 'compact') {
      const marker = result.text.split('\n').find(isLineMarker);
      expect(markerCounts(marker!)).toEqual({ chars: counts.omittedChars, lines: counts.omittedLines });
    }
  });

  it.each(OUTPUT_MODES)('%s: a single 20 MB line keeps its head and tail, under the cap', (mode) => {
    const line = `START${'0123456789'.repeat(2_000_000)}END`;
    const result = render({ status: 'success', stdout: line }, { mode, maxChars: 50_000 });
    expectConsistent(result, mode, 50_000);
    const [shown, ...rest] = result.structured.stdout!;
    expect(rest).toEqual([]);
    const omitted = markerCounts(shown!)!.chars;
    const marker = `… [truncated: ${omitted.toLocaleString('en-US')} characters omitted] …`;
    const [head, tail] = shown!.split(marker);
    expect(head!.startsWith('START0123')).toBe(true);
    expect(tail!.endsWith('789END')).toBe(true);
    expect(omitted).toBe(codePoints(line) - codePoints(head!) - codePoints(tail!));
    expect(result.structured.truncated).toEqual({
      stdout: { omittedChars: omitted, omittedLines: 0, shortenedLines: 1 },
    });
  });

  it.each([3000, 20_000])('cuts as exactly when the text is the JSON form (cap %i)', (maxChars) => {
    // Lines with commas, quotes and colons: TOON quotes each of them, so minified JSON takes fewer tokens.
    const lines = Array.from({ length: 5000 }, (_, i) => `x = ${i}, y = ${i * 2}, note: "ok"`);
    const result = render(
      { status: 'success', stdout: lines.join('\n'), stderr: 'one warning' },
      { maxChars },
    );
    expect(result.text.startsWith('```json\n{"status":"success"')).toBe(true);
    expectConsistent(result, 'toon', maxChars);
    expect(result.text.length).toBeGreaterThan(maxChars * 0.9);
    const counts = expectHeadAndTail(lines, result.structured.stdout);
    expect(result.structured.stderr).toEqual(['one warning']);
    expect(result.structured.truncated).toEqual({
      stdout: { omittedChars: counts.omittedChars, omittedLines: counts.omittedLines },
    });
  });

  it.each(OUTPUT_MODES)('%s: two big streams share the budget fairly', (mode) => {
    const stdoutLines = Array.from({ length: 40_000 }, (_, i) => `out ${i}`);
    const stderrLines = Array.from({ length: 40_000 }, (_, i) => `err ${i}`);
    const result = render(
      { status: 'error', stdout: stdoutLines.join('\n'), stderr: stderrLines.join('\n'), error: 'boom' },
      { mode, maxChars: 20_000 },
    );
    expectConsistent(result, mode, 20_000);
    const out = expectHeadAndTail(stdoutLines, result.structured.stdout);
    const err = expectHeadAndTail(stderrLines, result.structured.stderr);
    expect(out.keptLines / err.keptLines).toBeGreaterThan(0.8);
    expect(out.keptLines / err.keptLines).toBeLessThan(1.25);
    expect(result.structured.error).toBe('boom');
  });

  it('never splits a surrogate pair when cutting emoji-only output', () => {
    const stdout = Array.from({ length: 20_000 }, (_, i) => '😀'.repeat(1 + (i % 50))).join('\n');
    const result = render(
      { status: 'success', stdout: `${stdout}\n${'🙂'.repeat(100_000)}` },
      { maxChars: 8000 },
    );
    expectConsistent(result, 'toon', 8000);
    // No lone surrogate: TOON could encode the cut result, so neither form is a fallback.
    expect(() => encode(result.structured as unknown as JsonValue)).not.toThrow();
    for (const line of result.structured.stdout!) {
      expect(line).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it.each(OUTPUT_MODES)('%s: everything huge at once still fits the smallest cap', (mode) => {
    const huge = 'Z'.repeat(3_000_000);
    const outcome: RunOutcome = {
      status: 'error',
      stdout: huge,
      stderr: huge,
      error: { type: 'E'.repeat(100_000), message: huge, traceback: `${huge}\n${huge}` },
      value: { repr: huge, json: Array.from({ length: 50_000 }, (_, id) => ({ id, name: `n${id}` })) },
      servers: Array.from({ length: 5000 }, (_, i) => `server-${i}-${'s'.repeat(50)}`),
      truncated: { stdout: true, stderr: true, stdoutBytes: 123_456_789, stderrBytes: 987_654_321 },
      exitCode: 1,
      durationMs: 123_456,
      calls: 99_999,
      timeoutSeconds: 120,
    };
    const result = render(outcome, { mode, maxChars: MIN_MAX_CHARS });
    expectConsistent(result, mode, MIN_MAX_CHARS);
    expect(result.structured.truncated).toBeDefined();
  });

  it('turns a value too big for its share into its text, cut with exact counts', () => {
    const rows = Array.from({ length: 20_000 }, (_, id) => ({ id, name: `user ${id}` }));
    const repr = rows.map((row) => `{'id': ${row.id}, 'name': 'user ${row.id}'}`).join('\n');
    const result = render({ status: 'success', value: { repr, json: rows } }, { maxChars: 10_000 });
    expectConsistent(result, 'toon', 10_000);
    expect(result.structured.value).toBeUndefined();
    const shown = result.structured.repr!.split('\n');
    const counts = expectHeadAndTail(repr.split('\n'), shown);
    expect(result.structured.truncated?.value).toEqual({
      omittedChars: counts.omittedChars,
      omittedLines: counts.omittedLines,
    });
  });

  it('keeps a large value as JSON data when it fits', () => {
    const rows = Array.from({ length: 500 }, (_, id) => ({ id, name: `user ${id}`, active: id % 2 === 0 }));
    const result = render({ status: 'success', value: { repr: 'many rows', json: rows } });
    expect(result.structured.value).toEqual(rows);
    expect(result.text).toContain('value[500]{id,name,active}:');
    expectConsistent(result, 'toon', DEFAULT_MAX_CHARS);
  });
});
