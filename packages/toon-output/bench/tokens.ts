// Prints how many o200k_base tokens each rendering of the same results takes.
// Run from the repository root: pnpm --filter @codexec/toon-output bench (or pnpm exec tsx bench/tokens.ts here).
import { tokenRows, tokenTable } from '../test/token-comparison.js';

console.log(tokenTable(tokenRows()));
