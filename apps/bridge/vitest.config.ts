import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.js';

// Vitest hands `ssr.resolve.conditions` to the worker as `node --conditions`, which then apply to `require()` in
// dependencies too: with `import` among them, express's router gets is-promise's ES module namespace instead of
// its function. So the server-side conditions here are Vite's defaults plus the source condition, without `import`.
const conditions = ['@codexec/source', 'module', 'node', 'development|production'];

export default defineConfig({
  ...sourceConditions,
  ssr: { resolve: { conditions, externalConditions: ['@codexec/source', 'node'] } },
  test: { name: 'bridge' },
});
