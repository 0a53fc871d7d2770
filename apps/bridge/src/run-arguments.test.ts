import { describe, expect, it } from 'vitest';
import { checkRunArguments, runPythonInputSchema } from './run-arguments.js';

const rules = { known: ['github', 'filesystem', 'test'], defaultTimeoutMs: 30_000, maxTimeoutSeconds: 120 };

describe('checkRunArguments', () => {
  it.each<[string, unknown, { code: string; servers: string[]; timeoutMs: number }]>([
    ['code only', { code: 'print(1)' }, { code: 'print(1)', servers: [], timeoutMs: 30_000 }],
    [
      'servers and timeout',
      { code: 'x', servers: ['github'], timeout: 5 },
      { code: 'x', servers: ['github'], timeoutMs: 5000 },
    ],
    [
      'duplicate servers',
      { code: 'x', servers: ['test', 'test', 'github'] },
      { code: 'x', servers: ['test', 'github'], timeoutMs: 30_000 },
    ],
    [
      'null servers and timeout',
      { code: 'x', servers: null, timeout: null },
      { code: 'x', servers: [], timeoutMs: 30_000 },
    ],
    ['the maximum timeout', { code: 'x', timeout: 120 }, { code: 'x', servers: [], timeoutMs: 120_000 }],
  ])('accepts %s', (_, raw, value) => {
    expect(checkRunArguments(raw, rules)).toEqual({ ok: true, value });
  });

  it.each<[string, unknown, RegExp]>([
    ['no arguments', undefined, /`code` is required/],
    ['an array', [1], /must be an object.*array/],
    ['a string', 'print(1)', /must be an object.*string/],
    ['numeric code', { code: 42 }, /`code` must be a string, got a number/],
    ['empty code', { code: '  ' }, /`code` is empty/],
    ['servers as a string', { code: 'x', servers: 'github' }, /`servers` must be an array.*string/],
    ['a non-string server', { code: 'x', servers: [1] }, /`servers\[0\]` must be a string/],
    [
      'an unknown server',
      { code: 'x', servers: ['gitlab'] },
      /unknown server `gitlab`; available: github, filesystem, test/,
    ],
    [
      'two unknown servers',
      { code: 'x', servers: ['a', 'github', 'b'] },
      /unknown servers `a`, `b`; available/,
    ],
    [
      'timeout zero',
      { code: 'x', timeout: 0 },
      /`timeout` must be a whole number of seconds from 1 to 120, got 0/,
    ],
    ['timeout too large', { code: 'x', timeout: 121 }, /from 1 to 120, got 121/],
    ['fractional timeout', { code: 'x', timeout: 1.5 }, /got 1.5/],
    ['timeout as a string', { code: 'x', timeout: '30' }, /got a string/],
    [
      'an unknown argument',
      { code: 'x', timeout_seconds: 3 },
      /unknown argument `timeout_seconds`: run_python takes code, servers and timeout/,
    ],
  ])('refuses %s', (_, raw, message) => {
    const result = checkRunArguments(raw, rules);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(message);
  });

  it('collects every problem at once', () => {
    const result = checkRunArguments({ code: 1, servers: ['nope'], timeout: -1 }, rules);
    expect(result.ok ? [] : result.problems).toHaveLength(3);
  });

  it('says when no servers are configured at all', () => {
    const result = checkRunArguments({ code: 'x', servers: ['github'] }, { ...rules, known: [] });
    expect(result.ok ? '' : result.problems[0]).toMatch(/no MCP servers are configured/);
  });
});

describe('runPythonInputSchema', () => {
  it('is the original schema with the configured maximum', () => {
    const schema = runPythonInputSchema(90) as {
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    expect(schema.required).toEqual(['code']);
    expect(Object.keys(schema.properties)).toEqual(['code', 'servers', 'timeout']);
    expect(schema.properties.timeout).toMatchObject({ type: 'integer', minimum: 1, maximum: 90 });
    expect(schema.properties.servers).toMatchObject({ type: 'array', items: { type: 'string' } });
  });
});
