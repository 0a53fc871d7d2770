import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.js';

export default defineConfig({
  ...sourceConditions,
  // Property tests and the multi-megabyte inputs share 2 cores with other suites: time is never what is tested.
  test: { name: 'toon-output', testTimeout: 120_000 },
});
