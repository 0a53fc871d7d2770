import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.js';

export default defineConfig({
  ...sourceConditions,
  test: {
    name: 'container-runtime',
    // The container tests start and remove real containers; one file at a time keeps them from competing for the
    // machine's two cores with each other (tests inside a file run one after another anyway).
    fileParallelism: false,
    // Generous: containers start slowly when several people's tests share two cores. Speed is measured in bench/.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
