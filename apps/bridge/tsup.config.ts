import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageBuild } from '../../tsup.shared.js';

const require = createRequire(import.meta.url);

// Two builds into dist/ (`pnpm build` empties it first, as they run side by side):
// - the library (dist/index.js), whose dependencies stay dependencies, for programs that embed the bridge;
// - the command (dist/cli.js), with every dependency bundled in: a process that spawns, resolves a dozen files
//   instead of some 440 modules, and answers `initialize` sooner with less memory. cli.ts keeps its
//   `#!/usr/bin/env node` line, so dist/cli.js runs as the package's bin. Splitting puts what the CLI imports
//   dynamically (each command, the HTTP transport, the engine client code) in chunks of their own, loaded only when
//   used; test/lazy-loading.test.ts checks it. The sandbox finds its Python runtime beside the code that loads it,
//   so the runtime's files are copied to python/ next to dist/.
export default [
  packageBuild({
    entry: ['src/index.ts'],
    dts: { entry: 'src/index.ts' },
    clean: false,
  }),
  packageBuild({
    entry: ['src/cli.ts'],
    dts: false,
    clean: false,
    splitting: true,
    noExternal: [/.*/],
    // Bundled CommonJS dependencies call `require` for Node's own modules.
    banner: {
      js: "import { createRequire as __cliRequire } from 'node:module';\nconst require = __cliRequire(import.meta.url);",
    },
    // Prefer a dependency's ES module build: a UMD build's own `require` calls cannot be followed by the bundler.
    // The command's chunks are named cli-*, apart from the library's: each build has its own copy of shared code.
    esbuildOptions(options) {
      options.mainFields = ['module', 'main'];
      options.chunkNames = 'cli-[name]-[hash]';
    },
    onSuccess: async () => {
      const from = join(
        dirname(require.resolve('@codexec/sandbox/package.json')),
        'python',
        'codexec_runtime',
      );
      const to = join(import.meta.dirname, 'python', 'codexec_runtime');
      rmSync(join(import.meta.dirname, 'python'), { recursive: true, force: true });
      cpSync(from, to, { recursive: true, filter: (path) => !path.includes('__pycache__') });
    },
  }),
];
