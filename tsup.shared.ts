import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM for Node 20, declarations, source maps. A package adds only what differs.
 * `@codexec/internal` (private) is bundled into each package that uses it, so no published package depends on it.
 */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    dts: true,
    clean: true,
    sourcemap: true,
    noExternal: ['@codexec/internal'],
    ...overrides,
  });
}
