// Token counts of the same results in each rendering, shared by the token test and bench/tokens.ts.
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { type RunOutcome, render, renderValue } from '../src/index.js';

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

export interface TokenRow {
  name: string;
  toon: number;
  json: number;
  compact: number;
}

/** Each case as TOON block, pretty JSON block and compact text (compact JSON for a bare value). */
export function tokenRows(): TokenRow[] {
  const runRow = (name: string, outcome: RunOutcome): TokenRow => ({
    name,
    toon: countTokens(render(outcome, { mode: 'toon' }).text),
    json: countTokens(render(outcome, { mode: 'json' }).text),
    compact: countTokens(render(outcome, { mode: 'compact' }).text),
  });
  return [
    {
      name: '50 uniform records (renderValue)',
      toon: countTokens(renderValue(tabularRows)),
      json: countTokens(renderValue(tabularRows, { mode: 'json' })),
      compact: countTokens(JSON.stringify(tabularRows)),
    },
    runRow('run returning the 50 records', tabularRun),
    runRow('typical run (report printed)', typicalRun),
    runRow('failed run (traceback)', failedRun),
  ];
}

/** The rows as a Markdown table, with TOON's saving against pretty JSON. */
export function tokenTable(rows: readonly TokenRow[]): string {
  const lines = [
    '| case | TOON | JSON (pretty) | TOON vs JSON | compact text / minified JSON |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const saving = `${(((row.toon - row.json) / row.json) * 100).toFixed(1)}%`;
    lines.push(`| ${row.name} | ${row.toon} | ${row.json} | ${saving} | ${row.compact} |`);
  }
  return lines.join('\n');
}
