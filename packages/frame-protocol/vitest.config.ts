import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.js';

export default defineConfig({
  ...sourceConditions,
  // Generous: the property tests and the 20 MiB / 200 MiB stream tests share 2 cores with other test runs.
  test: { name: 'frame-protocol', testTimeout: 60_000 },
});
