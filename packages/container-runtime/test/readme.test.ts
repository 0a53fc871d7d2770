import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { IN_CI, probeEngines, requireEngine, TEST_IMAGE } from './engines.js';

// The README's example must keep running as written, on the first engine that answers (as `detectRuntime` picks).
const probes = await probeEngines();
const engine = probes.find((probe) => !probe.missing) ?? probes[0]!;

describe('README', () => {
  requireEngine(engine);

  test.runIf(IN_CI || !engine.missing)('the example runs a container and prints what it promises', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const packageDir = new URL('..', import.meta.url).pathname;
    // Inside the package, so `@codexec/container-runtime` resolves to this package (to its source, by condition).
    const dir = mkdtempSync(join(packageDir, '.readme-example-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code!);
      const output = execFileSync(
        process.execPath,
        ['--conditions=@codexec/source', '--import', 'tsx', file],
        {
          cwd: packageDir,
          encoding: 'utf8',
          env: { ...process.env, IMAGE: TEST_IMAGE },
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 100_000,
        },
      );
      expect(output).toBe('HELLO FROM THE HOST\n\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
