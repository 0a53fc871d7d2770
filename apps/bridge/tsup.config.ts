import { defineConfig } from 'tsup';

export default defineConfig({
  // cli.ts keeps its `#!/usr/bin/env node` line, so dist/cli.js runs as the package's bin.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  target: 'node20',
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
});
