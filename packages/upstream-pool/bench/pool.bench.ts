// Measures what the pool costs on this machine: the first call (start + initialize), warm calls one at a time and
// in parallel, a 20 MiB result over stdio, and close(). Run: node --import tsx packages/upstream-pool/bench/pool.bench.ts
import { createUpstreamPool } from '../src/index.js';
import { testServer, textOf } from '../test/helpers.js';

const pool = createUpstreamPool({ servers: [testServer('bench')], maxConcurrency: 16 });
const time = async <T>(run: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const value = await run();
  return [performance.now() - started, value];
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  const [first] = await time(() => pool.callTool('bench', 'echo', { n: 0 }));
  const sequential: number[] = [];
  for (let n = 1; n <= 200; n += 1)
    sequential.push((await time(() => pool.callTool('bench', 'echo', { n })))[0]);
  const [parallel] = await time(() =>
    Promise.all(Array.from({ length: 200 }, (_, n) => pool.callTool('bench', 'add', { a: n, b: 1 }))),
  );
  const [huge, result] = await time(() => pool.callTool('bench', 'huge', { mib: 20 }));
  const [closed] = await time(() => pool.close());
  const rows = {
    'first call (start + initialize + call), ms': first,
    'warm echo, median of 200 sequential, ms': median(sequential),
    '200 parallel add calls (16 in flight), ms': parallel,
    [`20 MiB result (${textOf(result).length} chars), ms`]: huge,
    'close(), ms': closed,
  };
  for (const [what, ms] of Object.entries(rows)) console.log(`${what.padEnd(48)} ${ms.toFixed(1)}`);
} finally {
  await pool.close();
}
