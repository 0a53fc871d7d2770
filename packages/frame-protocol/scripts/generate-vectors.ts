/** Writes vectors/*.jsonl from scripts/vector-cases.ts. Run: `pnpm --filter @codexec/frame-protocol vectors`. */
import { writeFileSync } from 'node:fs';
import { buildVectors } from './vector-cases.js';

const files = buildVectors();
for (const [name, content] of Object.entries(files)) {
  const url = new URL(`../vectors/${name}`, import.meta.url);
  writeFileSync(url, content);
  console.log(`${url.pathname}: ${content.split('\n').length - 1} vectors`);
}
