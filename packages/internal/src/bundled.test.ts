import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ON_CI, warnSkipped } from '@codexec/test-support';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const published = ['packages', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter(
    (dir) => !(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { private?: boolean }).private,
  );

describe('each published package bundles what it uses of @codexec/internal', () => {
  it('finds the published packages', () => expect(published.length).toBeGreaterThanOrEqual(7));

  for (const dir of published) {
    const name = dir.slice(root.length);
    const dist = join(dir, 'dist');
    const built = existsSync(dist);
    if (!built && !ON_CI) warnSkipped(`the bundling check of ${name}`, 'dist/ is not built (pnpm build)');
    it.skipIf(!built && !ON_CI)(
      `${name}: no built file imports it, and its manifest does not depend on it`,
      () => {
        expect(built, `${dist} is missing: run pnpm build`).toBe(true);
        const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) =>
          /\.(js|cjs|mjs|d\.ts)$/.test(file),
        );
        expect(files.length).toBeGreaterThan(0);
        const importing = files.filter((file) =>
          /from ['"]@codexec\/internal['"]|import\(['"]@codexec\/internal['"]\)/.test(
            readFileSync(join(dist, file), 'utf8'),
          ),
        );
        expect(importing).toEqual([]);
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
          expect(Object.keys((manifest[field] as object | undefined) ?? {})).not.toContain(
            '@codexec/internal',
          );
        }
      },
    );
  }
});
