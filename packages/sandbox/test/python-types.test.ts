import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PYTHON_DIR = fileURLToPath(new URL('../python', import.meta.url));
const PYRIGHT = fileURLToPath(
  new URL(`../node_modules/.bin/pyright${process.platform === 'win32' ? '.cmd' : ''}`, import.meta.url),
);

interface Diagnostic {
  file: string;
  severity: 'error' | 'warning' | 'information';
  message: string;
  rule?: string;
  range: { start: { line: number; character: number } };
}

interface Report {
  version: string;
  generalDiagnostics: Diagnostic[];
  summary: { filesAnalyzed: number; errorCount: number; warningCount: number };
}

function describeDiagnostic(diagnostic: Diagnostic): string {
  const file = diagnostic.file.startsWith(PACKAGE_DIR)
    ? diagnostic.file.slice(PACKAGE_DIR.length)
    : diagnostic.file;
  const { line, character } = diagnostic.range.start;
  const rule = diagnostic.rule ? ` (${diagnostic.rule})` : '';
  return `${file}:${line + 1}:${character + 1} ${diagnostic.severity}: ${diagnostic.message}${rule}`;
}

describe('the Python runtime', () => {
  it('passes pyright in strict mode (python/pyrightconfig.json)', () => {
    expect(existsSync(PYRIGHT), `pyright is missing at ${PYRIGHT}: run pnpm install`).toBe(true);
    const run = spawnSync(PYRIGHT, ['--outputjson', '-p', PYTHON_DIR], {
      cwd: PACKAGE_DIR,
      encoding: 'utf8',
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error) throw run.error;
    let report: Report;
    try {
      report = JSON.parse(run.stdout) as Report;
    } catch {
      throw new Error(`pyright printed no report (exit ${run.status}): ${run.stderr || run.stdout}`);
    }
    const problems = report.generalDiagnostics
      .filter((diagnostic) => diagnostic.severity !== 'information')
      .map(describeDiagnostic);
    expect(problems, `pyright ${report.version} found:\n${problems.join('\n')}`).toEqual([]);
    expect(report.summary.filesAnalyzed).toBeGreaterThan(10);
    expect(run.status).toBe(0);
  }, 180_000);
});
