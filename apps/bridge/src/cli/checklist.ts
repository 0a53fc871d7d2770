import { formatDuration } from '@codexec/internal';
/** One line of the doctor's checklist. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  /** What was found: `podman 4.3.1, rootful`. */
  detail: string;
  durationMs?: number;
  /** What to do about a warning or failure. */
  fix?: string;
}

const MARK: Record<Check['status'], string> = {
  ok: '[ ok ]',
  warn: '[warn]',
  fail: '[FAIL]',
  skip: '[skip]',
};

/** The checklist as text, with a fix under each problem and a one-line verdict. Pure. */
export function formatChecklist(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length), 10);
  const lines: string[] = [];
  for (const c of checks) {
    const time = c.durationMs === undefined ? '' : ` (${formatDuration(c.durationMs)})`;
    lines.push(`${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}${time}`);
    if (c.fix && c.status !== 'ok') {
      for (const [i, line] of c.fix.split('\n').entries())
        lines.push(`${' '.repeat(9 + width)}${i ? '     ' : 'fix: '}${line}`);
    }
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed
      ? `${failed} check${failed > 1 ? 's' : ''} failed${warned ? `, ${warned} warning${warned > 1 ? 's' : ''}` : ''}.`
      : `All checks passed${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
