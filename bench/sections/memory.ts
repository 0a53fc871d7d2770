// (8) the bridge's resident memory: idle once its engine, sandbox and pool exist, beside the pool containers' own
// memory; and over 200 runs (growth and trend).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFixture, testServer } from '../lib/bridge.js';
import { containerMemory, type Engine } from '../lib/engines.js';
import { sleep } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, slope } from '../lib/stats.js';
import { startPooledBridge, waitForPool } from './run-times.js';

const GC_PROBE = fileURLToPath(new URL('../lib/gc-probe.mjs', import.meta.url));
const MIB = 1024 * 1024;

/** `+1.2` / `-0.4`. */
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${fmt(value)}`;

interface Sample {
  run: number;
  /** VmRSS as the kernel reports it, before any forced collection. */
  rss: number;
  /** After a full collection: resident size and live JavaScript heap. */
  rssAfterGc?: number | undefined;
  heapAfterGc?: number | undefined;
}

/** Asks the probe in the bridge for a full collection and reads what it wrote; undefined when it does not answer. */
async function collect(pid: number, file: string): Promise<{ rss: number; heapUsed: number } | undefined> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      try {
        const usage = JSON.parse(readFileSync(file, 'utf8')) as { rss: number; heapUsed: number };
        return { rss: usage.rss / MIB, heapUsed: usage.heapUsed / MIB };
      } catch {}
    }
    await sleep(50);
  }
  return undefined;
}

export async function memory(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const runs = ctx.quick ? 60 : 200;
  const every = ctx.quick ? 10 : 20;
  const fixture = await createFixture(() => ({ test: testServer() }));
  const gcFile = join(fixture.root, 'gc.json');
  try {
    // Idle: the bridge as it ships (pool of 2), without the probe, after a first run has made it find its engine and
    // create its sandbox and pool (it does so lazily), with the pool full again and nothing asked of it for 2 s.
    // A container per run (`fresh`), so every container left is one of the pool's.
    let idle: number | undefined;
    let poolMemory: number[] = [];
    {
      const { session, label } = await startPooledBridge(ctx, engine, fixture);
      try {
        await session.tools();
        await waitForPool(engine, label, 2000);
        idle = session.rss();
        poolMemory = await containerMemory(engine, label);
      } finally {
        await session.close();
      }
    }
    // Over many runs: the same bridge plus a probe that only answers SIGUSR2 with a full collection, so a leak can be
    // told from heap V8 merely keeps. Its own idle point is taken the same way.
    const samples: Sample[] = [];
    let probedIdle: number | undefined;
    let idleHeap: number | undefined;
    const { session, label } = await startPooledBridge(ctx, engine, fixture, {
      nodeArgs: ['--expose-gc', '--import', GC_PROBE],
      env: { CODEXEC_BENCH_GC_FILE: gcFile },
    });
    try {
      await session.tools();
      await waitForPool(engine, label, 2000);
      probedIdle = session.rss();
      idleHeap = (await collect(session.pid, gcFile))?.heapUsed;
      ctx.log(`memory: idle ${fmt(idle)} MiB (with the probe ${fmt(probedIdle)} MiB); ${runs} runs`);
      let errors = 0;
      for (let i = 1; i <= runs; i += 1) {
        const reply = await session.run(
          `r = await mcp_test.echo(message="run ${i}")\nprint(r["message"])\nlen(str(list(range(1000))))`,
          { servers: ['test'] },
        );
        if (reply.status !== 'success') errors += 1;
        if (i % every === 0) {
          const rss = session.rss();
          const after = await collect(session.pid, gcFile);
          if (rss !== undefined)
            samples.push({ run: i, rss, rssAfterGc: after?.rss, heapAfterGc: after?.heapUsed });
        }
      }
      if (errors) ctx.log(`! ${errors} of the memory runs failed`);
    } finally {
      await session.close();
    }
    // Trends over the second half, after the heap has grown to its working size: KiB per run.
    const secondHalf = samples.filter((s) => s.run > runs / 2);
    const trend = (pick: (s: Sample) => number | undefined) =>
      slope(
        secondHalf.flatMap((s) => {
          const y = pick(s);
          return y === undefined ? [] : [{ x: s.run, y }];
        }),
      ) * 1024;
    const rssTrend = trend((s) => s.rss);
    const heapTrend = trend((s) => s.heapAfterGc);
    const last = samples.at(-1);
    return [
      {
        id: 'rss-idle',
        what: "(8) bridge RSS, idle after its first run (engine, sandbox and pool created), and its pool's containers",
        unit: 'MiB',
        value: idle,
        shown:
          `${fmt(idle)} MiB; the ${poolMemory.length} pool containers ` +
          `${poolMemory.map((m) => `${fmt(m)} MiB`).join(' + ') || '(none found)'} (engine stats)`,
        target: '≤ 75 MiB',
        pass: idle !== undefined && idle <= 75,
        extra: { poolContainersMiB: poolMemory },
      },
      {
        id: 'rss-growth',
        what: `(8b) bridge memory after ${runs} runs, and its trend over the second half`,
        unit: 'MiB',
        value: heapTrend,
        shown:
          `RSS ${fmt(last?.rss)} MiB (${signed((last?.rss ?? Number.NaN) - (probedIdle ?? Number.NaN))} from idle; ` +
          `trend ${fmt(rssTrend)} KiB/run); live heap after GC ${fmt(idleHeap)} → ${fmt(last?.heapAfterGc)} MiB ` +
          `(trend ${fmt(heapTrend)} KiB/run)`,
        target: 'no growth trend (live heap < 5 KiB/run)',
        pass: Number.isFinite(heapTrend) && heapTrend < 5,
        note:
          'RSS moves with when V8 collects and how much heap it keeps; the live heap after a forced full ' +
          'collection is what a leak would grow',
        extra: { samples },
      },
    ];
  } finally {
    await fixture.cleanup();
  }
}
