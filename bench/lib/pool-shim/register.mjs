// Preloaded (`node --import`) into a bridge that does not pass its pool setting to the sandbox yet: every
// `import '@codexec/sandbox'` of the bridge then gets sandbox-with-env-pool.mjs instead. The bench says so in its
// results whenever it had to use it.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
