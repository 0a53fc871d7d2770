// (5) 16 run_python calls at once through one bridge: throughput, errors, containers left.
import { BridgeSession, createFixture } from '../lib/bridge.js';
import { containersWithLabel, type Engine, settle } from '../lib/engines.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, summarize } from '../lib/stats.js';
import { startPooledBridge } from './run-times.js';

const RUNS = 16;

async function burst(
  session: BridgeSession,
): Promise<{ wallMs: number; errors: string[]; latencies: number[] }> {
  const started = performance.now();
  const latencies: number[] = [];
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: RUNS }, async (_, i) => {
      try {
        const reply = await session.run(`import time\ntime.sleep(0.1)\nprint(${i})\n${i}`, { timeoutS: 110 });
        latencies.push(performance.now() - started);
        if (reply.status !== 'success' || reply.stdout.join() !== String(i) || reply.value !== i) {
          errors.push(`run ${i}: ${reply.status} ${reply.error ?? JSON.stringify(reply.stdout)}`);
        }
      } catch (error) {
        errors.push(`run ${i}: ${(error as Error).message}`);
      }
    }),
  );
  return { wallMs: performance.now() - started, errors, latencies };
}

export async function concurrency(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const fixture = await createFixture(() => ({}));
  const rows: Row[] = [];
  try {
    for (const pooled of [false, true]) {
      const { session, label } = pooled
        ? await startPooledBridge(ctx, engine, fixture)
        : await (async () => {
            const s = await BridgeSession.start({ engine, fixture, poolSize: 0 });
            const l = await s.label();
            await s.run('print(1)');
            return { session: s, label: l };
          })();
      let result: Awaited<ReturnType<typeof burst>>;
      let settled: number;
      let closedLeft: number;
      try {
        ctx.log(`${engine}: ${RUNS} concurrent runs, pool ${pooled ? 'on' : 'off'}`);
        result = await burst(session);
        const expected = pooled ? 2 : 0;
        await settle(engine, label, expected, { timeoutMs: 60_000 });
        settled = Math.max(0, (await containersWithLabel(engine, label)).length - expected);
      } finally {
        closedLeft = (await session.close()).left;
      }
      const throughput = RUNS / (result.wallMs / 1000);
      const ok = result.errors.length === 0 && closedLeft === 0 && settled === 0;
      rows.push({
        id: `concurrent-runs/${pooled ? 'pool' : 'cold'}`,
        what: `(5) ${RUNS} concurrent run_python, ${engine}, pool ${pooled ? '2' : 'off'}`,
        unit: 'ms',
        subject: summarize(result.latencies),
        value: throughput,
        shown: `${fmt(throughput)} runs/s, wall ${fmt(result.wallMs)} ms, ${result.errors.length} errors, ${settled} run containers left, ${closedLeft} after shutdown`,
        target: '0 errors, 0 left',
        pass: ok,
        extra: {
          wallMs: result.wallMs,
          errors: result.errors,
          leftAfterRuns: settled,
          leftAfterShutdown: closedLeft,
        },
        note: 'subject = time from the burst start until each run answered',
      });
    }
  } finally {
    await fixture.cleanup();
  }
  return rows;
}
