import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

// The README's example must keep running as written.
test('the README example runs and prints what it promises', { timeout: 60_000 }, () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const packageDir = new URL('..', import.meta.url).pathname;
  // Inside the package, so `@codexec/frame-protocol` resolves to this package (to its source, by condition).
  const dir = mkdtempSync(join(packageDir, '.readme-example-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code!);
    const output = execFileSync(process.execPath, ['--conditions=@codexec/source', '--import', 'tsx', file], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(output).toContain('runtime ready, protocol 1');
    expect(output).toContain('[{"type":"text","text":"github.get_me({})"}]');
    expect(output).toContain("reason: 'ended'");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
