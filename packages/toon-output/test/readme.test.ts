import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

// The README's example must keep running as written and print exactly what the README says it prints.
test('the README example prints what the README shows', { timeout: 60_000 }, () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  const printed = /\nprints\n\n````\n([\s\S]*?)````/.exec(readme)?.[1];
  const structured = /and `structured` is\n`([^`]+)`/.exec(readme)?.[1];
  expect(code).toBeDefined();
  expect(printed).toBeDefined();
  const packageDir = new URL('..', import.meta.url).pathname;
  // Inside the package, so `@codexec/toon-output` resolves to this package (to its source, by condition).
  const dir = mkdtempSync(join(packageDir, '.readme-example-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, `${code!}\nconsole.log(JSON.stringify(structured));\n`);
    const output = execFileSync(process.execPath, ['--conditions=@codexec/source', '--import', 'tsx', file], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(output).toBe(`${printed!}${structured!}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
