import { encode } from '@toon-format/toon';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectConsistent } from '../test/assertions.js';
import { fence } from './fence.js';
import { MIN_MAX_CHARS, OUTPUT_MODES } from './options.js';
import { render } from './render.js';
import { OUTCOME_STATUSES, type RunOutcome } from './run-outcome.js';
import { estimateTokens } from './token-estimate.js';

// Text with the awkward parts of real output: line breaks of every kind, blank lines, quotes, backslashes, control
// characters, fences, emoji and (now and then) unpaired surrogates.
const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom(
    '\n',
    '\r\n',
    '\r',
    '\n\n',
    '   \n',
    '"',
    '\\',
    '\t',
    '```',
    ',',
    ': ',
    '- ',
    '😀',
    '\u0000',
  ),
  fc.constantFrom('x'.repeat(3000), `${'é'.repeat(500)}\n`.repeat(20)),
);
const text = fc.array(piece, { maxLength: 60 }).map((pieces) => pieces.join(''));
const number = fc.oneof(fc.integer({ min: -5, max: 1_000_000 }), fc.double());

const outcome: fc.Arbitrary<RunOutcome> = fc.record(
  {
    status: fc.constantFrom(...OUTCOME_STATUSES),
    stdout: text,
    stderr: text,
    value: fc.record(
      { repr: text, json: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.anything({ maxDepth: 2 })) },
      { requiredKeys: ['repr'] },
    ),
    error: fc.oneof(
      text,
      fc.record(
        { type: fc.string({ maxLength: 30 }), message: text, traceback: text },
        { requiredKeys: ['type', 'message'] },
      ),
    ),
    durationMs: number,
    timeoutSeconds: number,
    servers: fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 }),
    calls: number,
    exitCode: number,
    truncated: fc.record({
      stdout: fc.boolean(),
      stderr: fc.boolean(),
      stdoutBytes: number,
      stderrBytes: number,
    }),
    message: text,
  },
  { requiredKeys: ['status'] },
);

describe('render on arbitrary outcomes', () => {
  it.each(OUTPUT_MODES)(
    '%s: never throws, stays under the cap, matches the schema and decodes to structured',
    (mode) => {
      fc.assert(
        fc.property(outcome, fc.integer({ min: MIN_MAX_CHARS, max: 20_000 }), (run, maxChars) => {
          const result = render(run, { mode, maxChars });
          // Fenced modes decode to exactly `structured`, cut or not.
          expectConsistent(result, mode, maxChars);
        }),
        { numRuns: 300 },
      );
    },
    120_000,
  );

  it('decodes to structured when nothing was cut, at the default cap', () => {
    fc.assert(
      fc.property(outcome, (run) => {
        const result = render(run);
        if (result.structured.truncated === undefined) expectConsistent(result, 'toon', 100_000);
        expect(result.text.length).toBeLessThanOrEqual(100_000);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('toon: the text is the TOON or the minified JSON block of structured, never the larger that fits', () => {
    fc.assert(
      fc.property(outcome, fc.integer({ min: MIN_MAX_CHARS, max: 20_000 }), (run, maxChars) => {
        const { text, structured } = render(run, { maxChars });
        const forms = [fence(JSON.stringify(structured), 'json')];
        try {
          forms.push(fence(encode(structured as never), 'toon'));
        } catch {
          // Strings TOON refuses (unpaired surrogates): JSON is the only form.
        }
        expect(forms).toContain(text);
        for (const form of forms) {
          if (form.length <= maxChars) expect(estimateTokens(text)).toBeLessThanOrEqual(estimateTokens(form));
        }
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
