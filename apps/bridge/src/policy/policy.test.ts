import { describe, expect, it } from 'vitest';
import { isBridgeError } from '../errors.js';
import { Policy, policyProblems } from './policy.js';
import { parsePolicyFile, policyFromSettings } from './policy-file.js';

const facts = (annotations?: Record<string, unknown>) => ({ annotations });
const settings = {
  allowTools: [] as string[],
  denyTools: [] as string[],
};

describe('Policy', () => {
  it('denies by server.tool patterns, and deny wins over allow', () => {
    const policy = new Policy({ allow: ['github.*', 'files.read_*'], deny: ['*.delete_*', 'github.merge'] });
    expect(policy.refusal('github', 'list_issues', facts())).toBeUndefined();
    expect(policy.refusal('files', 'read_text_file', facts())).toBeUndefined();
    expect(policy.refusal('files', 'write_file', facts())).toMatchObject({ rule: 'allow' });
    expect(policy.refusal('github', 'delete_repo', facts())).toMatchObject({ rule: 'deny *.delete_*' });
    expect(policy.refusal('github', 'merge', facts())).toMatchObject({ rule: 'deny github.merge' });
    // `*` is any run of characters, dots included; other characters are literal.
    expect(policy.refusal('github', 'merge_pr', facts())).toBeUndefined();
    expect(new Policy({ deny: ['a.b+c'] }).refusal('a', 'bbc', facts())).toBeUndefined();
    expect(new Policy({ deny: ['a.b+c'] }).refusal('a', 'b+c', facts())).toMatchObject({
      rule: 'deny a.b+c',
    });
  });

  it('reads a bare server name as all of its tools', () => {
    const policy = new Policy({ deny: ['github'] });
    expect(policy.refusal('github', 'anything', facts())).toMatchObject({ rule: 'deny github' });
    expect(policy.refusal('githubx', 'anything', facts())).toBeUndefined();
  });

  it('in read-only mode lets through only tools marked readOnlyHint: true', () => {
    const policy = new Policy({ readOnly: true });
    expect(policy.needsAnnotations).toBe(true);
    expect(policy.refusal('f', 'read', facts({ readOnlyHint: true }))).toBeUndefined();
    expect(policy.refusal('f', 'write', facts({ readOnlyHint: false }))).toMatchObject({ rule: 'read-only' });
    expect(policy.refusal('f', 'unsaid', facts({}))).toMatchObject({ rule: 'read-only' });
    expect(policy.refusal('f', 'unlisted', facts())).toMatchObject({ rule: 'read-only' });
  });

  it('counts calls per server per minute and says when the next one is possible', () => {
    let now = 1_000_000;
    const policy = new Policy({ rateLimits: [{ server: 'github', perMinute: 2 }] }, () => now);
    expect(policy.takeRate('github')).toBeUndefined();
    now += 10_000;
    expect(policy.takeRate('github')).toBeUndefined();
    const refused = policy.takeRate('github');
    expect(refused).toMatchObject({ rule: 'rate github 2/min' });
    expect(refused?.message).toMatch(/about 50 s/);
    expect(policy.takeRate('files')).toBeUndefined();
    // A minute after the first call, one call is possible again; a refused call was not counted.
    now += 50_000;
    expect(policy.takeRate('github')).toBeUndefined();
    expect(policy.takeRate('github')).toMatchObject({ rule: 'rate github 2/min' });
  });

  it('caps the calls of a run, counting only those let through', () => {
    const guard = new Policy({ maxToolCalls: 2 }).forRun();
    expect(guard.full()).toBeUndefined();
    expect(guard.count()).toBeUndefined();
    expect(guard.count()).toBeUndefined();
    expect(guard.full()).toMatchObject({ rule: 'max-tool-calls 2' });
    expect(guard.count()).toMatchObject({ rule: 'max-tool-calls 2' });
    // Each run has its own count.
    expect(new Policy({ maxToolCalls: 2 }).forRun().count()).toBeUndefined();
  });

  it('keeps a run to its calls in flight; a waiting call can be aborted', async () => {
    const guard = new Policy({ maxCallsInFlight: 2 }).forRun();
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const work = () =>
      new Promise<number>((resolve) => {
        running += 1;
        most = Math.max(most, running);
        releases.push(() => {
          running -= 1;
          resolve(running);
        });
      });
    const signal = new AbortController().signal;
    const calls = [1, 2, 3, 4].map(() => guard.slot(work, signal));
    const aborted = new AbortController();
    const waiting = guard.slot(work, aborted.signal);
    await new Promise((r) => setTimeout(r, 10));
    expect(running).toBe(2);
    aborted.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    while (releases.length) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(running).toBe(0);
  });

  it('finds what is wrong with a policy', () => {
    expect(
      policyProblems({
        allow: [' '],
        deny: ['a b'],
        maxToolCalls: 0,
        rateLimits: [{ server: 'x', perMinute: 1.5 }],
      }),
    ).toEqual([
      '`allow` has an empty pattern',
      '`deny` pattern "a b" has a space in it',
      '`maxToolCalls` must be a whole number of at least 1, got 0',
      'the rate limit of "x" must be a whole number of calls per minute of at least 1, got 1.5',
    ]);
    expect(new Policy({}).open).toBe(true);
    expect(new Policy({ deny: ['x'] }).open).toBe(false);
  });
});

describe('policy files', () => {
  it('reads TOML and JSON with comments alike', () => {
    const toml = [
      'allow = ["github.*"]',
      'deny = ["*.delete_*"]',
      'read_only = true',
      'max_tool_calls = 50',
      'max_calls_in_flight = 4',
      '[rate_limits]',
      'github = 60',
      '"*" = 600',
    ].join('\n');
    const expected = {
      allow: ['github.*'],
      deny: ['*.delete_*'],
      readOnly: true,
      maxToolCalls: 50,
      maxCallsInFlight: 4,
      rateLimits: [
        { server: 'github', perMinute: 60 },
        { server: '*', perMinute: 600 },
      ],
    };
    expect(parsePolicyFile(toml, '/p/policy.toml')).toEqual(expected);
    const json = `{
      // what the model may touch
      "allow": ["github.*"], "deny": ["*.delete_*"], "read_only": true,
      "max_tool_calls": 50, "max_calls_in_flight": 4,
      "rate_limits": { "github": 60, "*": 600 },
    }`;
    expect(parsePolicyFile(json, '/p/policy.json')).toEqual(expected);
  });

  it.each([
    ['a syntax error', 'policy.toml', 'allow = [\n', /^Invalid policy: policy\.toml:2:\d+: not valid TOML/],
    [
      'an unknown key',
      'policy.toml',
      'allow = []\nreadonly = true\n',
      /policy\.toml:2: unknown key `readonly`/,
    ],
    [
      'a wrong type',
      'policy.json',
      '{\n  "deny": "x"\n}',
      /policy\.json:2: `deny` is a list of "server\.tool"/,
    ],
    [
      'a bad rate',
      'policy.toml',
      '[rate_limits]\ngithub = 0\n',
      /policy\.toml:2: the rate limit of "github"/,
    ],
    ['a bad pattern', 'policy.toml', 'deny = ["a b"]\n', /policy\.toml: `deny` pattern "a b" has a space/],
    ['not an object', 'policy.json', '[1]', /policy\.json:1: a policy is an object/],
  ])('names the file, line and reason of %s', (_what, file, text, message) => {
    let error: unknown;
    try {
      parsePolicyFile(text, file);
    } catch (caught) {
      error = caught;
    }
    expect(isBridgeError(error, 'INVALID_SETTING')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/the bridge did not start$/);
  });

  it('adds the settings to the file, and is undefined when nothing is restricted', () => {
    const files: Record<string, string> = { '/p.toml': 'deny = ["a.*"]\nmax_tool_calls = 5\n' };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    };
    expect(policyFromSettings(settings, read)).toBeUndefined();
    const policy = policyFromSettings(
      { ...settings, policyFile: '/p.toml', denyTools: ['b.x'], maxToolCalls: 9 },
      read,
    );
    expect(policy?.spec).toMatchObject({ deny: ['a.*', 'b.x'], maxToolCalls: 9 });
    expect(policy?.summary()).toBe('deny a.*, b.x; 9 calls per run');
    expect(() => policyFromSettings({ ...settings, policyFile: '/none.toml' }, read)).toThrow(
      'Invalid policy: cannot read /none.toml (ENOENT)',
    );
    expect(() => policyFromSettings({ ...settings, denyTools: ['a b'] }, read)).toThrow(/has a space/);
  });
});
