import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { warnSkipped } from '@codexec/test-support';
import { expect, it } from 'vitest';
import { engineStatus, IMAGE, ON_CI } from './engines.js';

// The README's first example must keep running as written, on podman, with the test image in place of the image
// it names (this machine pulls nothing).
const status = await engineStatus('podman');
if (!status.ok && !ON_CI) warnSkipped('the README example of @codexec/sandbox', status.reason);

it.skipIf(!status.ok && !ON_CI)(
  'the README example runs and prints what its comments say',
  { timeout: 180_000 },
  () => {
    expect(status.ok, status.ok ? '' : status.reason).toBe(true);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toContain("image: 'docker.io/library/python:3.12-slim'");
    const packageDir = new URL('..', import.meta.url).pathname;
    // Inside the package, so `@codexec/sandbox` resolves to this package (to its source, by condition).
    const dir = mkdtempSync(join(packageDir, '.readme-example-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code!.replace("'docker.io/library/python:3.12-slim'", JSON.stringify(IMAGE)));
      const output = execFileSync(
        process.execPath,
        ['--conditions=@codexec/source', '--import', 'tsx', file],
        {
          cwd: packageDir,
          encoding: 'utf8',
          timeout: 170_000,
        },
      );
      const expected = [...code!.matchAll(/console\.log\([^)]*\); \/\/ (.*)$/gm)].map((m) => m[1]!);
      expect(expected).toHaveLength(4);
      const lines = output.trimEnd().split('\n');
      expect(lines[0]).toBe(expected[0]!.replace(/^'|'$/g, ''));
      expect(lines[1]).toBe('Oslo is the coldest');
      expect(lines.join('\n')).toContain("repr: \"{'Oslo': 4, 'Lima': 22, 'Pune': 31}\"");
      expect(lines.join('\n')).toContain('json: { Oslo: 4, Lima: 22, Pune: 31 }');
      expect(lines.at(-1)).toBe(expected[3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
