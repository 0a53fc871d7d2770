import { defineConfig, type Options } from 'tsup';

/** The build every package shares: ESM for Node 20, declarations, source maps. A package adds only what differs. */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    dts: true,
    clean: true,
    sourcemap: true,
    ...overrides,
  });
}
