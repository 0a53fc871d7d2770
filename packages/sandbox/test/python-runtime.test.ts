import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRuntimeBlob } from '../src/runtime-source.js';

const PYTHON_DIR = fileURLToPath(new URL('../python', import.meta.url));
const PYTHON = process.env.CODEXEC_TEST_PYTHON ?? 'python3';

describe('the Python runtime', () => {
  it('passes its unittest suite (python3 -m unittest discover)', () => {
    const run = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', join(PYTHON_DIR, 'tests')], {
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (run.error) throw run.error;
    const report = run.stderr;
    if (run.status !== 0) console.error(report);
    expect(report).toMatch(/Ran \d+ tests/);
    expect(Number(/Ran (\d+) tests/.exec(report)?.[1])).toBeGreaterThan(40);
    expect(run.status, report.slice(-4000)).toBe(0);
  }, 600_000);

  it('is packed by the host exactly as the Python tests pack it', () => {
    const run = spawnSync(
      PYTHON,
      ['-c', 'import sys, harness; sys.stdout.buffer.write(harness.pack_runtime())'],
      { cwd: join(PYTHON_DIR, 'tests'), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.error) throw run.error;
    expect(run.status, String(run.stderr)).toBe(0);
    const blob = loadRuntimeBlob();
    const body = blob.subarray(blob.indexOf(0x0a) + 1);
    expect(body.equals(run.stdout)).toBe(true);
  }, 60_000);
});
