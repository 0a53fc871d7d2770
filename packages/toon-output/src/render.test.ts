import { describe, expect, it } from 'vitest';
import {
  codePoints,
  decodeFenced,
  expectConsistent,
  markerCounts,
  schemaErrors,
} from '../test/assertions.js';
import { ToonOutputError } from './errors.js';
import { DEFAULT_MAX_CHARS, MIN_MAX_CHARS, OUTPUT_MODES, type OutputMode } from './options.js';
import { render } from './render.js';
import type { RunOutcome } from './run-outcome.js';
import { type StructuredResult, structuredResultSchema } from './structured-result.js';

const traceback = [
  'Traceback (most recent call last):',
  '  File "<run>", line 2, in <module>',
  '',
  'ZeroDivisionError: division by zero',
  '',
].join('\n');

const cases: { label: string; outcome: RunOutcome; structured: StructuredResult }[] = [
  {
    label: 'success with output',
    outcome: { status: 'success', exitCode: 0, stdout: 'line1\nline2\n', stderr: '' },
    structured: { status: 'success', summary: 'Success', exitCode: 0, stdout: ['line1', 'line2'] },
  },
  {
    label: 'success without output',
    outcome: { status: 'success', exitCode: 0, stdout: '\n   \n\t\n', stderr: '' },
    structured: { status: 'success', summary: 'Success (no output)', exitCode: 0 },
  },
  {
    label: 'success with only stderr',
    outcome: { status: 'success', stderr: 'DeprecationWarning: old\n' },
    structured: { status: 'success', summary: 'Success', stderr: ['DeprecationWarning: old'] },
  },
  {
    label: 'success with a JSON value',
    outcome: { status: 'success', value: { repr: "[{'id': 1}, {'id': 2}]", json: [{ id: 1 }, { id: 2 }] } },
    structured: { status: 'success', summary: 'Success', value: [{ id: 1 }, { id: 2 }] },
  },
  {
    label: 'success with a repr-only value',
    outcome: { status: 'success', value: { repr: '<object at 0x7f>' } },
    structured: { status: 'success', summary: 'Success', repr: '<object at 0x7f>' },
  },
  {
    label: 'success whose last expression was None',
    outcome: { status: 'success', value: { repr: 'None', json: null } },
    structured: { status: 'success', summary: 'Success (no output)' },
  },
  {
    label: 'success with servers, calls and timing',
    outcome: {
      status: 'success',
      stdout: 'ok',
      servers: ['fs', 'github'],
      calls: 3,
      durationMs: 41.7,
      exitCode: 0,
    },
    structured: {
      status: 'success',
      summary: 'Success',
      exitCode: 0,
      servers: ['fs', 'github'],
      stdout: ['ok'],
      durationMs: 42,
      calls: 3,
    },
  },
  {
    label: 'timeout, as the original bridge reported it',
    outcome: { status: 'timeout', timeoutSeconds: 5, stdout: 'partial output', stderr: 'traceback info' },
    structured: {
      status: 'timeout',
      summary: 'Timeout: execution exceeded 5s',
      stdout: ['partial output'],
      stderr: ['traceback info'],
      error: 'Execution timed out after 5 seconds',
      timeoutSeconds: 5,
    },
  },
  {
    label: 'timeout with an error and no limit given',
    outcome: { status: 'timeout', error: 'killed after deadline' },
    structured: {
      status: 'timeout',
      summary: 'Timeout: execution exceeded the time limit',
      error: 'killed after deadline',
    },
  },
  {
    label: 'error with an exception',
    outcome: {
      status: 'error',
      stdout: 'before\n',
      error: { type: 'ZeroDivisionError', message: 'division by zero', traceback },
      servers: ['fs'],
    },
    structured: {
      status: 'error',
      summary: 'Sandbox error: ZeroDivisionError: division by zero',
      servers: ['fs'],
      stdout: ['before'],
      error: 'ZeroDivisionError: division by zero',
      traceback: [
        'Traceback (most recent call last):',
        '  File "<run>", line 2, in <module>',
        'ZeroDivisionError: division by zero',
      ],
    },
  },
  {
    label: 'error with a string',
    outcome: { status: 'error', error: 'Container failed to start' },
    structured: {
      status: 'error',
      summary: 'Sandbox error: Container failed to start',
      error: 'Container failed to start',
    },
  },
  {
    label: 'error with only an exit code',
    outcome: { status: 'error', exitCode: 137, stderr: 'Killed\n' },
    structured: {
      status: 'error',
      summary: 'Sandbox error: Sandbox exited with code 137',
      exitCode: 137,
      stderr: ['Killed'],
      error: 'Sandbox exited with code 137',
    },
  },
  {
    label: 'error with nothing else',
    outcome: { status: 'error' },
    structured: { status: 'error', summary: 'Sandbox error' },
  },
  {
    label: 'cancelled',
    outcome: { status: 'cancelled', stdout: 'step 1\n', durationMs: 1200 },
    structured: { status: 'cancelled', summary: 'Cancelled', stdout: ['step 1'], durationMs: 1200 },
  },
  {
    label: 'validation error, as the original bridge reported it',
    outcome: { status: 'validation_error', message: "Missing 'code' argument" },
    structured: {
      status: 'validation_error',
      summary: "Missing 'code' argument",
      error: "Missing 'code' argument",
    },
  },
  {
    label: 'truncation reported by the sandbox',
    outcome: {
      status: 'success',
      stdout: 'x',
      truncated: { stdout: true, stdoutBytes: 4096, stderr: false },
    },
    structured: {
      status: 'success',
      summary: 'Success',
      stdout: ['x'],
      truncated: { sandbox: { stdout: true, stderr: false, stdoutBytes: 4096 } },
    },
  },
  {
    label: 'a session run that kept the state',
    outcome: { status: 'success', stdout: '42\n', session: { name: 'default', run: 2, state: 'kept' } },
    structured: {
      status: 'success',
      summary: 'Success',
      stdout: ['42'],
      session: { name: 'default', run: 2, state: 'kept' },
    },
  },
  {
    label: 'a session run that started afresh and then lost its state',
    outcome: {
      status: 'error',
      error: { type: 'MemoryError', message: 'killed' },
      session: {
        name: 'analysis',
        run: 3,
        state: 'new',
        reason: 'a reset was asked for',
        lost: 'the container was killed',
      },
    },
    structured: {
      status: 'error',
      summary: 'Sandbox error: MemoryError: killed',
      error: 'MemoryError: killed',
      session: {
        name: 'analysis',
        run: 3,
        state: 'new',
        reason: 'a reset was asked for',
        lost: 'the container was killed',
      },
    },
  },
  {
    label: 'attachments are listed by name, type and size',
    outcome: {
      status: 'success',
      attachments: [
        { name: 'plot.png', mimeType: 'image/png', size: 2048 },
        { name: 'bad', mimeType: 'x', size: -1 } as never,
      ],
    },
    structured: {
      status: 'success',
      summary: 'Success (no output)',
      attachments: [{ name: 'plot.png', mimeType: 'image/png', size: 2048 }],
    },
  },
  {
    label: 'a malformed session is left out',
    outcome: { status: 'success', session: { name: 'x', run: 0, state: 'new' } },
    structured: { status: 'success', summary: 'Success (no output)' },
  },
];

describe('render', () => {
  describe.each(cases)('$label', ({ outcome, structured }) => {
    it.each(OUTPUT_MODES)('%s: structured payload, schema, cap and decoding', (mode) => {
      const result = render(outcome, { mode });
      expect(result.structured).toEqual(structured);
      expectConsistent(result, mode, DEFAULT_MAX_CHARS);
    });
  });

  describe('the default text form', () => {
    it('is minified JSON in a ```json block when that takes fewer tokens, as small results do', () => {
      const { text, structured } = render({ status: 'success', stdout: 'hi' });
      expect(text).toBe('```json\n{"status":"success","summary":"Success","stdout":["hi"]}\n```');
      expect(decodeFenced(text)).toEqual({ language: 'json', value: structured });
    });

    it('is a TOON block when that takes fewer tokens, as tables do', () => {
      const rows = Array.from({ length: 20 }, (_, id) => ({ id, name: `user ${id}` }));
      const { text, structured } = render({ status: 'success', value: { repr: 'rows', json: rows } });
      expect(text).toBe(
        `\`\`\`toon\nstatus: success\nsummary: Success\nvalue[20]{id,name}:\n${rows
          .map((row) => `  ${row.id},${row.name}`)
          .join('\n')}\n\`\`\``,
      );
      expect(decodeFenced(text)).toEqual({ language: 'toon', value: structured });
    });

    it('leaves the json and compact modes as they were: indented JSON, plain text', () => {
      const outcome: RunOutcome = { status: 'success', stdout: 'hi' };
      expect(render(outcome, { mode: 'json' }).text).toBe(
        '```json\n{\n  "status": "success",\n  "summary": "Success",\n  "stdout": [\n    "hi"\n  ]\n}\n```',
      );
      expect(render(outcome, { mode: 'compact' }).text).toBe('Success\nhi');
    });
  });

  it.each([
    {
      label: 'success',
      outcome: { status: 'success', stdout: 'a\n\nb\n', exitCode: 0 } as RunOutcome,
      text: 'Success\na\nb',
    },
    {
      label: 'error with stderr and traceback',
      outcome: {
        status: 'error',
        exitCode: 1,
        stdout: 'started',
        stderr: 'warning: x',
        error: { type: 'KeyError', message: "'k'", traceback: "Traceback:\n  line 1\nKeyError: 'k'" },
      } as RunOutcome,
      text: "Sandbox error: KeyError: 'k'\nexit code: 1\nstarted\nstderr:\nwarning: x\ntraceback:\nTraceback:\n  line 1\nKeyError: 'k'",
    },
    {
      label: 'timeout',
      outcome: { status: 'timeout', timeoutSeconds: 30, stdout: 'tick' } as RunOutcome,
      text: 'Timeout: execution exceeded 30s\ntick\nerror: Execution timed out after 30 seconds',
    },
    {
      label: 'value',
      outcome: { status: 'success', value: { repr: "{'a': 1}", json: { a: 1 } } } as RunOutcome,
      text: "Success\nvalue: {'a': 1}",
    },
    {
      label: 'sandbox truncation',
      outcome: {
        status: 'success',
        stdout: 'x',
        truncated: { stdout: true, stdoutBytes: 12345 },
      } as RunOutcome,
      text: 'Success\nx\n[stdout was truncated in the sandbox: 12,345 bytes omitted]',
    },
    {
      label: 'session',
      outcome: {
        status: 'success',
        stdout: '1',
        session: { name: 'work', run: 4, state: 'new', reason: 'the session was idle for more than 5 min' },
      } as RunOutcome,
      text: 'Success\n1\nsession work, run 4: new state (the session was idle for more than 5 min)',
    },
  ])('compact text reads like the original bridge: $label', ({ outcome, text }) => {
    expect(render(outcome, { mode: 'compact' }).text).toBe(text);
  });

  it.each([
    ['\r\n', 'Windows'],
    ['\r', 'old Mac'],
    ['\n', 'Unix'],
  ])('splits %j line breaks (%s) and drops blank lines', (breakChars) => {
    const stdout = ['one', '', '   ', '\t', 'two', ' three ', ''].join(breakChars);
    expect(render({ status: 'success', stdout }).structured.stdout).toEqual(['one', 'two', ' three ']);
  });

  it('keeps the per-line cap even when the whole result would fit', () => {
    const line = `${'a'.repeat(30_000)}${'b'.repeat(30_000)}`;
    const { structured } = render({ status: 'success', stdout: line }, { maxLineChars: 1000 });
    expect(structured.stdout).toEqual([
      `${'a'.repeat(500)}… [truncated: 59,000 characters omitted] …${'b'.repeat(500)}`,
    ]);
    expect(structured.truncated).toEqual({
      stdout: { omittedChars: 59_000, omittedLines: 0, shortenedLines: 1 },
    });
  });

  it('caps a huge summary, keeping the full error beside it', () => {
    const message = 'm'.repeat(2000);
    const { structured } = render({ status: 'validation_error', message });
    expect(codePoints(structured.summary)).toBeLessThan(600);
    expect(markerCounts(structured.summary)).toEqual({ chars: 1500 });
    expect(structured.error).toBe(message);
  });

  describe('options', () => {
    it.each([
      [{ maxChars: MIN_MAX_CHARS - 1 }, /maxChars must be an integer of at least 1000/],
      [{ maxChars: 1.5e3 + 0.5 }, /maxChars/],
      [{ maxLineChars: 10 }, /maxLineChars must be an integer of at least 100/],
      [{ mode: 'yaml' as OutputMode }, /Unknown output mode "yaml": use one of toon, compact, json/],
    ])('rejects %j with a typed error', (options, message) => {
      expect(() => render({ status: 'success' }, options)).toThrowError(message);
      try {
        render({ status: 'success' }, options);
      } catch (error) {
        expect(error).toBeInstanceOf(ToonOutputError);
        expect((error as ToonOutputError).code).toBe('INVALID_OPTIONS');
      }
    });
  });

  describe('TOON failure falls back to JSON, never throws', () => {
    const outcome: RunOutcome = { status: 'success', stdout: 'a\nb', value: { repr: '1', json: 1 } };

    it('when the encoder throws', () => {
      const result = render(outcome, {
        encoder: () => {
          throw new Error('encoder broke');
        },
      });
      expect(result.text.startsWith('```json\n')).toBe(true);
      expect(JSON.parse(result.text.slice(8, -4))).toEqual(result.structured);
      expectConsistent(result, 'toon', DEFAULT_MAX_CHARS);
    });

    it('when the encoder returns something other than a string', () => {
      const result = render(outcome, { encoder: () => undefined as unknown as string });
      expect(decodeFenced(result.text)).toEqual({ language: 'json', value: result.structured });
    });

    it('when a string holds an unpaired surrogate, which the TOON encoder refuses', () => {
      const result = render({ status: 'success', stdout: 'ok \ud800 half' });
      expect(result.structured.stdout).toEqual(['ok \ud800 half']);
      expect(decodeFenced(result.text)).toEqual({ language: 'json', value: result.structured });
    });

    it('and still keeps the cap on huge input', () => {
      const stdout = Array.from({ length: 50_000 }, (_, i) => `row ${i} "quoted" \\ back`).join('\n');
      const result = render(
        { status: 'success', stdout },
        { maxChars: 5000, encoder: () => Number.NaN as never },
      );
      expect(result.text.startsWith('```json\n')).toBe(true);
      expectConsistent(result, 'toon', 5000);
    });
  });
});

describe('structuredResultSchema', () => {
  it.each([
    [{ status: 'success' }, 'summary is required'],
    [{ status: 'done', summary: 'x' }, 'status is one of five'],
    [{ status: 'success', summary: 'x', stdout: 'text' }, 'stdout is an array'],
    [{ status: 'success', summary: 'x', extra: 1 }, 'no unknown keys'],
    [{ status: 'success', summary: 'x', calls: -1 }, 'counts are not negative'],
    [{ status: 'success', summary: 'x', truncated: 'yes' }, 'truncated is an object'],
  ])('rejects %j (%s)', (payload, _reason) => {
    expect(schemaErrors(payload)).not.toEqual([]);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(structuredResultSchema))).toEqual(structuredResultSchema);
  });
});
