/**
 * Decode throughput of FrameDecoder against a bare `split('\n')` + `JSON.parse` loop over the same bytes.
 * Run: `pnpm bench:frames` (root) or `pnpm --filter @codexec/frame-protocol bench`.
 */
import { encodeFrame, FrameDecoder, type RuntimeToHostFrame } from '../src/index.js';

const CHUNK_BYTES = 64 * 1024;

function buildStream(): Buffer {
  const frames: RuntimeToHostFrame[] = [{ type: 'hello', protocol: 1, python: '3.11.2', pid: 7 }];
  let call = 0;
  for (let i = 0; i < 60_000; i += 1) {
    frames.push({ type: 'stdout', data: `row ${i}: value=${(i * 7919) % 10007} status=ok\n` });
    if (i % 10 === 0) {
      call += 1;
      frames.push({
        type: 'request',
        id: `c${call}`,
        method: 'tools/call',
        params: {
          server: 'github',
          tool: 'search_issues',
          arguments: { query: `label:bug is:open repo:acme/app-${i}`, page: i % 7, labels: ['bug', 'p1'] },
          timeoutMs: 30_000,
        },
      });
    }
    if (i % 500 === 0) frames.push({ type: 'stderr', data: `warning: slow row ${i} — ünïcödé ✓\n` });
  }
  const big = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 4; i += 1) frames.push({ type: 'stdout', data: `${big}${i}` });
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    id: i,
    name: `item ${i}`,
    tags: ['a', 'b'],
    ok: true,
  }));
  frames.push({ type: 'response', id: 'h1', result: { rows } });
  frames.push({ type: 'done', id: 'h1', status: 'success', value: { repr: '42', json: 42 }, calls: call });
  return Buffer.from(frames.map(encodeFrame).join(''), 'utf8');
}

function chunksOf(data: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return chunks;
}

function baseline(data: Buffer): number {
  let count = 0;
  for (const line of data.toString('utf8').split('\n')) {
    if (line.length === 0) continue;
    const value = JSON.parse(line) as { type?: unknown };
    if (value.type !== undefined) count += 1;
  }
  return count;
}

function decode(chunks: Buffer[], validate: boolean): number {
  const decoder = new FrameDecoder({ direction: 'runtime_to_host', validate });
  let count = 0;
  for (const chunk of chunks) {
    for (const event of decoder.push(chunk)) {
      if (!event.ok) throw event.error;
      count += 1;
    }
  }
  return count + decoder.end().length;
}

interface Case {
  name: string;
  run: () => number;
}

/**
 * Runs the cases interleaved, round after round, so that load from other processes on a shared machine hits them
 * alike; reports each case's median MB/s and its median per-round ratio to the first case (the baseline).
 */
function measure(
  cases: Case[],
  bytes: number,
  rounds: number,
): { name: string; mbps: number; ratio: number }[] {
  for (const { run } of cases) {
    run(); // warm up
    run();
  }
  const times = cases.map((): number[] => []);
  for (let round = 0; round < rounds; round += 1) {
    cases.forEach(({ run }, i) => {
      const start = process.hrtime.bigint();
      run();
      times[i]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const base = times[0]!;
  return cases.map(({ name }, i) => ({
    name,
    mbps: bytes / (1024 * 1024) / (median(times[i]!) / 1000),
    ratio: median(times[i]!.map((ms, round) => base[round]! / ms)),
  }));
}

const data = buildStream();
const chunks = chunksOf(data, CHUNK_BYTES);
const whole = [data];
const expected = baseline(data);
if (decode(chunks, true) !== expected) throw new Error('decoder and baseline disagree on the frame count');
const rounds = Number(process.env.BENCH_ROUNDS ?? 25);

const results = measure(
  [
    { name: "baseline: toString + split('\\n') + JSON.parse", run: () => baseline(data) },
    { name: 'FrameDecoder, validated, 64 KiB chunks', run: () => decode(chunks, true) },
    { name: 'FrameDecoder, validated, one chunk', run: () => decode(whole, true) },
    { name: 'FrameDecoder, validate: false, 64 KiB chunks', run: () => decode(chunks, false) },
  ],
  data.length,
  rounds,
);
console.log(
  `data: ${(data.length / (1024 * 1024)).toFixed(1)} MiB, ${expected} frames; ${rounds} interleaved rounds; ` +
    `Node ${process.version}\n`,
);
console.log(`| ${'case'.padEnd(48)} | ${'MB/s'.padStart(8)} | ${'ratio'.padStart(6)} |`);
console.log(`| ${'-'.repeat(48)} | ${'-'.repeat(8)} | ${'-'.repeat(6)} |`);
for (const { name, mbps, ratio } of results) {
  console.log(`| ${name.padEnd(48)} | ${mbps.toFixed(1).padStart(8)} | ${ratio.toFixed(2).padStart(6)} |`);
}
console.log(
  `\nratio (validated decoder, 64 KiB chunks / baseline): ${results[1]!.ratio.toFixed(2)} (aim: >= 0.8)`,
);
