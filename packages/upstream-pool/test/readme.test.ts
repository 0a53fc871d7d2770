import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The README's example must keep running as written. Run from this package, `npx` finds
// @modelcontextprotocol/server-filesystem in its node_modules (a dev dependency) and downloads nothing.
test('the README example lists the tools of server-filesystem and calls one', { timeout: 90_000 }, () => {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  // Inside the package, so `@codexec/upstream-pool` resolves to this package (to its source, by condition).
  const dir = mkdtempSync(join(packageDir, '.readme-example-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code!);
    const output = execFileSync(process.execPath, ['--conditions=@codexec/source', '--import', 'tsx', file], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 80_000,
    });
    expect(output).toContain("'list_directory'");
    expect(output).toMatch(/^listing: \[/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
