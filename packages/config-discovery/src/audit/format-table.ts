import type { Finding, FindingSeverity } from './findings.js';

function locationText(finding: Finding): string {
  const { file, line, path } = finding.location;
  const where = line !== undefined ? `${file}:${line}` : file;
  return path.length > 0 ? `${where} (${path.join(' > ')})` : where;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/** A plain-text table for terminals and logs: one block per finding, then a count by severity. */
export function formatFindingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const rows = findings.map(
    (f) => [f.severity.toUpperCase(), f.ruleId, f.server ?? '-', locationText(f)] as const,
  );
  const widths = [0, 1, 2].map((i) =>
    Math.max(...rows.map((r) => r[i]!.length), ['SEVERITY', 'RULE', 'SERVER'][i]!.length),
  );
  const header = `${pad('SEVERITY', widths[0]!)}  ${pad('RULE', widths[1]!)}  ${pad('SERVER', widths[2]!)}  LOCATION`;
  const lines = [header, '-'.repeat(header.length)];
  findings.forEach((finding, index) => {
    const row = rows[index]!;
    lines.push(
      `${pad(row[0], widths[0]!)}  ${pad(row[1], widths[1]!)}  ${pad(row[2], widths[2]!)}  ${row[3]}`,
    );
    const indent = ' '.repeat(widths[0]! + 2);
    lines.push(`${indent}${finding.message}`);
    lines.push(`${indent}fix: ${finding.hint}`);
  });
  const counts = (['high', 'medium', 'low', 'info'] as FindingSeverity[])
    .map((severity) => [severity, findings.filter((f) => f.severity === severity).length] as const)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => `${n} ${severity}`);
  lines.push('', `${findings.length} finding${findings.length === 1 ? '' : 's'}: ${counts.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
