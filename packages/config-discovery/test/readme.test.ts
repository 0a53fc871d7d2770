import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { type FixtureTree, materialize } from './helpers.js';

let tree: FixtureTree | undefined;
afterEach(async () => {
  await tree?.cleanup();
});

// The README's example must keep running as written, on a machine laid out like a real one.
test('the README example audits the machine it runs on', { timeout: 90_000 }, async () => {
  const packageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const readme = readFileSync(path.join(packageDir, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  tree = await materialize('claude-code');
  // Inside the package, so `@codexec/config-discovery` resolves to this package (its source, by condition).
  const dir = mkdtempSync(path.join(packageDir, '.readme-example-'));
  try {
    const file = path.join(dir, 'example.ts');
    writeFileSync(file, code!);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    const output = execFileSync(process.execPath, ['--conditions=@codexec/source', '--import', tsx, file], {
      cwd: tree.project,
      env: { HOME: tree.home, PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 80_000,
    });
    expect(output).toContain(`on  github — claude-code user: ${path.join(tree.home, '.claude.json')}`);
    expect(output).toContain('off docs — claude-code project');
    expect(output).toContain('unpinned-package');
    expect(output).toMatch(/\d+ bytes of JSON, \d+ SARIF results/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
