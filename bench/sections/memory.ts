// (8) the bridge's resident memory: idle after start, and over 200 runs (growth and trend).
import { BridgeSession, createFixture, testServer } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import { sleep } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, slope } from '../lib/stats.js';

export async function memory(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const runs = ctx.quick ? 60 : 200;
  const every = ctx.quick ? 10 : 20;
  const fixture = await createFixture(() => ({ test: testServer() }));
  try {
    const session = await BridgeSession.start({ engine, fixture, poolSize: 2 });
    const samples: { x: number; y: number }[] = [];
    let idle: number | undefined;
    try {
      await session.tools();
      await sleep(2000);
      // Idle after start: initialized and its tools listed, nothing run yet.
      idle = session.rss();
      ctx.log(`memory: idle ${fmt(idle)} MiB; ${runs} runs`);
      let errors = 0;
      for (let i = 1; i <= runs; i += 1) {
        const reply = await session.run(
          `r = await mcp_test.echo(message="run ${i}")\nprint(r["message"])\nlen(str(list(range(1000))))`,
          { servers: ['test'] },
        );
        if (reply.status !== 'success') errors += 1;
        if (i % every === 0) {
          const rss = session.rss();
          if (rss !== undefined) samples.push({ x: i, y: rss });
        }
      }
      if (errors) ctx.log(`! ${errors} of the memory runs failed`);
    } finally {
      await session.close();
    }
    const last = samples.at(-1)?.y;
    const firstSample = samples[0]?.y;
    // The trend over the second half, after the heap has grown to its working size.
    const trend = slope(samples.filter((s) => s.x > runs / 2)) * 1024; // KiB per run
    const growth = last !== undefined && idle !== undefined ? last - idle : Number.NaN;
    return [
      {
        id: 'rss-idle',
        what: '(8) bridge RSS, idle after start',
        unit: 'MiB',
        value: idle,
        shown: `${fmt(idle)} MiB`,
        target: '< 100 MiB',
        pass: idle !== undefined && idle < 100,
      },
      {
        id: 'rss-growth',
        what: `(8b) bridge RSS after ${runs} runs, and its trend`,
        unit: 'MiB',
        value: trend,
        shown: `${fmt(last)} MiB (+${fmt(growth)} MiB from idle, ${fmt(firstSample)} after ${every} runs); trend over the second half ${fmt(trend)} KiB/run`,
        target: 'no growth trend (< 10 KiB/run)',
        pass: Number.isFinite(trend) && trend < 10,
        extra: { samples },
      },
    ];
  } finally {
    await fixture.cleanup();
  }
}
