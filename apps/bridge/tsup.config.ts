import { packageBuild } from '../../tsup.shared.js';

// cli.ts keeps its `#!/usr/bin/env node` line, so dist/cli.js runs as the package's bin. Splitting (tsup's default for
// ESM, spelt out because the bin depends on it) puts what the CLI imports dynamically (each command, the HTTP
// transport) in chunks of their own, which dist/cli.js loads only when used; test/lazy-loading.test.ts checks it.
export default packageBuild({
  entry: ['src/index.ts', 'src/cli.ts'],
  dts: { entry: 'src/index.ts' },
  splitting: true,
});
