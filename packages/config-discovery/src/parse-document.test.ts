import { describe, expect, it } from 'vitest';
import { formatFromName, parseDocument } from './parse-document.js';

describe('parseDocument', () => {
  it('finds the line of a TOML table, of a key at the top and of a key in a table', () => {
    const text = [
      '# policy',
      '',
      'allow = ["a.*"]',
      'read_only = true',
      '',
      '[rate_limits]',
      'github = 60',
      '"my server" = 5',
      '',
      '[other]',
      'github = 1',
    ].join('\n');
    const parsed = parseDocument(text, 'p.toml', 'toml');
    if (!parsed.ok) throw new Error(parsed.diagnostic.message);
    const { lineOf } = parsed.document;
    expect(lineOf(['allow'])).toBe(3);
    expect(lineOf(['read_only'])).toBe(4);
    expect(lineOf(['rate_limits'])).toBe(6);
    expect(lineOf(['rate_limits', 'github'])).toBe(7);
    expect(lineOf(['rate_limits', 'my server'])).toBe(8);
    expect(lineOf(['other', 'github'])).toBe(11);
    expect(lineOf(['missing'])).toBeUndefined();
    expect(lineOf(['nowhere', 'github'])).toBeUndefined();
  });

  it('finds the line of a JSON entry, comments and trailing commas allowed', () => {
    const text = '{\n  // the policy\n  "allow": ["a.*"],\n  "rate_limits": {\n    "github": 60,\n  },\n}\n';
    const parsed = parseDocument(text, 'p.json', formatFromName('p.json'));
    if (!parsed.ok) throw new Error(parsed.diagnostic.message);
    expect(parsed.document.value).toEqual({ allow: ['a.*'], rate_limits: { github: 60 } });
    expect(parsed.document.lineOf(['allow'])).toBe(3);
    expect(parsed.document.lineOf(['rate_limits', 'github'])).toBe(5);
  });

  it('says where a syntax error is, and what it means to the reader', () => {
    const servers = parseDocument('a = [1,\n', 'c.toml', 'toml');
    expect(servers.ok).toBe(false);
    if (servers.ok) return;
    expect(servers.diagnostic.message).toMatch(
      /^c\.toml:\d+:\d+: not valid TOML .*; fix the syntax there, the file's servers were skipped$/,
    );
    const policy = parseDocument('{"allow": [}', 'p.json', 'jsonc', {
      consequence: 'the bridge did not start',
    });
    expect(policy.ok).toBe(false);
    if (policy.ok) return;
    expect(policy.diagnostic.line).toBe(1);
    expect(policy.diagnostic.message).toMatch(
      /^p\.json:1:\d+: not valid JSON \(.+\); fix the syntax there, the bridge did not start$/,
    );
  });
});
