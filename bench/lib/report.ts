import { fmt, type Summary } from './stats.js';

/** One line of the results table. */
export interface Row {
  /** Stable key, e.g. `cold-run/podman`. */
  id: string;
  /** What is measured, for the table. */
  what: string;
  unit: string;
  subject?: Summary | undefined;
  baseline?: Summary | undefined;
  /** The figure the target is about (a ratio, a percentage, a count, MiB…). */
  value?: number | undefined;
  /** How `value` reads: `0.21×`, `-98.7%`, `0 errors`. */
  shown?: string | undefined;
  target?: string | undefined;
  /** Whether the target is met; undefined for figures without a target. */
  pass?: boolean | undefined;
  note?: string | undefined;
  extra?: Record<string, unknown> | undefined;
}

export interface Failure {
  section: string;
  error: string;
}

export interface BenchContext {
  quick: boolean;
  log(message: string): void;
  /** Set when the bridge's pool did not fill: warm figures are then suspect. */
  poolNote?: string | undefined;
}

const cell = (s: Summary | undefined, unit: string): string =>
  s ? `${fmt(s.median)} ${unit} (p95 ${fmt(s.p95)}, n=${s.n})` : '';

/** The results as a plain-text table. */
export function table(rows: readonly Row[]): string {
  const header = ['measurement', 'subject: median (p95)', 'baseline: median (p95)', 'result', 'target', 'ok'];
  const lines = rows.map((row) => [
    row.what,
    cell(row.subject, row.unit),
    cell(row.baseline, row.unit),
    row.shown ?? (row.value === undefined ? '' : fmt(row.value)),
    row.target ?? '',
    row.pass === undefined ? '' : row.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render)].join('\n');
}

/** The same rows as a Markdown table, for the README. */
export function markdown(rows: readonly Row[]): string {
  const out = [
    '| measurement | subject: median (p95) | baseline: median (p95) | result | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    out.push(
      `| ${row.what} | ${cell(row.subject, row.unit)} | ${cell(row.baseline, row.unit)} | ${row.shown ?? ''} | ${row.target ?? ''} | ${row.pass === undefined ? '' : row.pass ? 'yes' : '**no**'} |`,
    );
  }
  return out.join('\n');
}
