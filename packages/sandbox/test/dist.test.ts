import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engineStatus, IMAGE, ON_CI } from './engines.js';

const DIST = new URL('../dist/index.js', import.meta.url);
const built = existsSync(fileURLToPath(DIST));

if (!built && !ON_CI) {
  console.warn('\n!!! SKIPPING the dist tests of @codexec/sandbox: dist/ is not built (pnpm build)\n');
}

describe.skipIf(!built && !ON_CI)('the built package (dist/index.js)', async () => {
  const dist = built ? ((await import(DIST.href)) as typeof import('../src/index.js')) : undefined;

  it('exists and exports the public API', () => {
    expect(built, 'dist/index.js is missing: run pnpm build').toBe(true);
    expect(typeof dist?.createSandbox).toBe('function');
    expect(typeof dist?.SandboxError).toBe('function');
    expect(dist?.runtimeCommand()[0]).toBe('python3');
    expect(
      dist?.describeLimits({ cgroup: 'v2', memory: { requested: 1, enforcedBy: 'cgroup', effective: 1 } })[0]
        ?.text,
    ).toBe('enforced by cgroups');
  });

  it('exports every type of another package that its declarations use, so an embedder imports only this one', () => {
    const declarations = readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8');
    const borrowed = [...declarations.matchAll(/^import \{([^}]*)\} from '@codexec\/[^']+';$/gm)].flatMap(
      (m) => m[1]!.split(',').map((name) => name.trim()),
    );
    const exported = new Set(
      [...declarations.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) =>
        m[1]!.split(',').map(
          (name) =>
            name
              .trim()
              .replace(/^type /, '')
              .split(' as ')
              .pop()!,
        ),
      ),
    );
    expect(borrowed.length).toBeGreaterThan(0);
    expect(borrowed.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('rejects bad options with its own SandboxError', () => {
    expect(() => dist!.createSandbox({ image: 'x' } as never)).toThrow(dist!.SandboxError);
  });

  const engine = (await engineStatus('podman')).ok ? 'podman' : 'docker';
  const status = await engineStatus(engine);
  it.skipIf(!status.ok && !ON_CI)(
    'runs hello world, finding its Python runtime from dist/',
    async () => {
      expect(status.ok, status.ok ? '' : status.reason).toBe(true);
      const sandbox = dist!.createSandbox({ runtime: status.runtime, image: IMAGE, pool: { size: 1 } });
      const result = await sandbox.run({ code: "print('hello from dist')\n6 * 7" });
      const served = sandbox.poolStatus().served + sandbox.poolStatus().cold;
      await sandbox.close();
      expect(served).toBe(1);
      expect(result.status).toBe('success');
      expect(result.stdout).toBe('hello from dist\n');
      expect(result.value?.json).toBe(42);
    },
    120_000,
  );
});
