// Token counts of the same results in each rendering, shared by the token test and bench/tokens.ts.
import { encode } from '@toon-format/toon';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { fence } from '../src/fence.js';
import { type JsonValue, type RunOutcome, render, renderValue } from '../src/index.js';

const encoder = new Tiktoken(o200kBase);

/** Tokens of `text` under o200k_base. */
export const countTokens = (text: string): number => encoder.encode(text).length;

const roles = ['admin', 'editor', 'viewer'];

/** 50 uniform records, the shape tool results often have (a list of issues, files, users). */
export const tabularRows = Array.from({ length: 50 }, (_, i) => ({
  id: 1000 + i,
  name: `User ${i}`,
  email: `user${i}@example.com`,
  role: roles[i % 3]!,
  active: i % 4 !== 0,
  score: Math.round(((i * 37) % 100) * 1.5) / 10,
}));

/** What Python's repr() prints for the records (the REPL's view of the value). */
const pythonRepr = (rows: typeof tabularRows): string =>
  `[${rows
    .map(
      (row) =>
        `{'id': ${row.id}, 'name': '${row.name}', 'email': '${row.email}', 'role': '${row.role}', ` +
        `'active': ${row.active ? 'True' : 'False'}, 'score': ${Number.isInteger(row.score) ? `${row.score}.0` : row.score}}`,
    )
    .join(', ')}]`;

/** A run that printed a short report and loaded two servers. */
export const typicalRun: RunOutcome = {
  status: 'success',
  exitCode: 0,
  stdout: [
    'Found 12 open issues in owner/repo',
    ...Array.from(
      { length: 12 },
      (_, i) =>
        `#${340 + i} ${['Fix flaky test', 'Bump deps', 'Docs typo'][i % 3]} (${i % 2 ? 'bug' : 'chore'})`,
    ),
    '',
    'Wrote summary to /workspace/issues.md',
  ].join('\n'),
  stderr: '',
  servers: ['github', 'filesystem'],
  calls: 3,
  durationMs: 842,
};

/** A run whose last expression returned the 50 records. */
export const tabularRun: RunOutcome = {
  status: 'success',
  exitCode: 0,
  stdout: 'fetched 50 users\n',
  value: { repr: pythonRepr(tabularRows), json: tabularRows },
  servers: ['directory'],
  calls: 1,
  durationMs: 415,
};

/** A run that failed with a traceback. */
export const failedRun: RunOutcome = {
  status: 'error',
  exitCode: 1,
  stdout: 'loading config\n',
  error: {
    type: 'KeyError',
    message: "'token'",
    traceback: [
      'Traceback (most recent call last):',
      '  File "<run>", line 4, in <module>',
      '    cfg = settings["token"]',
      "KeyError: 'token'",
    ].join('\n'),
  },
  durationMs: 57,
};

// The result-token fixtures of the repository's bench (bench/sections/tokens.ts), repeated here so that the
// package checks the bench's figures without depending on the bench.
const issueStates = ['open', 'closed'];
const issueAuthors = ['ada', 'grace', 'linus', 'margaret', 'ken'];

/** 40 issues: a uniform table whose rows are mostly free text (a title of 12 tokens). */
export const issueRows = Array.from({ length: 40 }, (_, i) => ({
  number: 1200 + i,
  title: `Crash when parsing config file number ${i} with a trailing comma`,
  state: issueStates[i % 2]!,
  author: issueAuthors[i % issueAuthors.length]!,
  comments: (i * 7) % 13,
  updated: `2026-11-${String((i % 28) + 1).padStart(2, '0')}`,
}));

/** The bench's tabular result: a run returning the 40 issues. */
export const issuesRun: RunOutcome = {
  status: 'success',
  servers: ['github'],
  value: { repr: JSON.stringify(issueRows), json: issueRows },
  durationMs: 812,
  calls: 1,
};

/** The bench's typical result: a few lines printed and a small dict returned. */
export const branchCleanupRun: RunOutcome = {
  status: 'success',
  servers: ['github', 'files'],
  stdout:
    'Found 3 stale branches\nDeleted feature/old-login\nDeleted fix/typo-readme\nKept release/2.x (protected)\n',
  value: {
    repr: "{'deleted': 2, 'kept': ['release/2.x'], 'errors': []}",
    json: { deleted: 2, kept: ['release/2.x'], errors: [] },
  },
  durationMs: 1534,
  calls: 5,
};

/** The smallest results a run gives: nothing printed, one line printed, one small value. */
export const quietRun: RunOutcome = { status: 'success', exitCode: 0, durationMs: 38 };
export const oneLineRun: RunOutcome = {
  status: 'success',
  exitCode: 0,
  stdout: 'saved 3 files\n',
  durationMs: 45,
};
export const smallValueRun: RunOutcome = {
  status: 'success',
  value: { repr: '42', json: 42 },
  durationMs: 40,
};

export interface TokenFixture {
  name: string;
  /** Whether the payload is mostly a uniform table (a list of records with the same keys). */
  table: boolean;
  /** The payload the text holds: `structured` for a run, the value itself for `renderValue`. */
  payload: JsonValue;
  /** The default rendering: `render(outcome).text`, or `renderValue(value)`. */
  text: string;
  /** The `compact` mode's text. */
  compact: string;
}

/** Every fixture whose result tokens the package or the bench report. */
export function tokenFixtures(): TokenFixture[] {
  const run = (name: string, outcome: RunOutcome, table = false): TokenFixture => {
    const { text, structured } = render(outcome);
    const compact = render(outcome, { mode: 'compact' }).text;
    return { name, table, payload: structured as unknown as JsonValue, text, compact };
  };
  return [
    {
      name: '50 uniform records (renderValue)',
      table: true,
      payload: tabularRows,
      text: renderValue(tabularRows),
      compact: renderValue(tabularRows, { mode: 'compact' }),
    },
    run('run returning the 50 records', tabularRun, true),
    run('run returning 40 issues (bench)', issuesRun, true),
    run('typical run (report printed)', typicalRun),
    run('typical run (bench)', branchCleanupRun),
    run('failed run (traceback)', failedRun),
    run('quiet run (no output)', quietRun),
    run('one line printed', oneLineRun),
    run('small value', smallValueRun),
  ];
}

/** The JSON side of every comparison: the payload minified, in a ```json fence like the text's own. */
export const minifiedJsonBlock = (payload: JsonValue): string => fence(JSON.stringify(payload), 'json');

export interface TokenRow {
  name: string;
  table: boolean;
  /** The default text, in the form it chose. */
  rendered: number;
  form: 'toon' | 'json';
  /** The payload as a ```toon block, whichever form the text chose: what the text was before it could be JSON. */
  toon: number;
  minifiedJson: number;
  /** The `json` mode: indented JSON. */
  indentedJson: number;
  compact: number;
}

export function tokenRows(): TokenRow[] {
  return tokenFixtures().map(({ name, table, payload, text, compact }) => ({
    name,
    table,
    rendered: countTokens(text),
    form: text.startsWith('```toon') ? 'toon' : 'json',
    toon: countTokens(fence(encode(payload), 'toon')),
    minifiedJson: countTokens(minifiedJsonBlock(payload)),
    indentedJson: countTokens(fence(JSON.stringify(payload, null, 2), 'json')),
    compact: countTokens(compact),
  }));
}

const ratio = (tokens: number, of: number): string => `${(tokens / of).toFixed(2)}×`;

/** The rows as a Markdown table: the default text against minified JSON, and the other forms. */
export function tokenTable(rows: readonly TokenRow[]): string {
  const lines = [
    '| case | text (form) | vs minified JSON | TOON block | minified JSON | indented JSON | compact text |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${row.rendered} (${row.form}) | ${ratio(row.rendered, row.minifiedJson)} | ${row.toon} | ` +
        `${row.minifiedJson} | ${row.indentedJson} | ${row.compact} |`,
    );
  }
  return lines.join('\n');
}
