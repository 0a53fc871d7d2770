// (1) cold and (2) warm run_python("print(1)") through the built bridge over stdio, against a bare
// `run --rm IMAGE python3 -c pass` measured in the same run, interleaved.
import { BridgeSession, createFixture, type Fixture } from '../lib/bridge.js';
import { bareRun, type Engine, settle } from '../lib/engines.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, summarize } from '../lib/stats.js';

const POOL_SIZE = 2;

async function timedRun(session: BridgeSession): Promise<number> {
  const started = performance.now();
  const reply = await session.run('print(1)');
  const ms = performance.now() - started;
  if (reply.status !== 'success' || reply.stdout.join('\n') !== '1') {
    throw new Error(`run_python("print(1)") went wrong: ${reply.status} ${reply.error ?? ''}`);
  }
  return ms;
}

/**
 * Alternates baseline and subject (baseline first on even rounds, subject first on odd ones) and lets the bridge
 * settle after each subject run, so neither side pays for the other's background work.
 */
async function interleave(
  engine: Engine,
  rounds: number,
  subject: () => Promise<number>,
  afterSubject: () => Promise<unknown>,
): Promise<{ subject: number[]; baseline: number[] }> {
  const out = { subject: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < rounds; i += 1) {
    const steps = [
      async () => out.baseline.push(await bareRun(engine)),
      async () => {
        out.subject.push(await subject());
        await afterSubject();
      },
    ];
    if (i % 2) steps.reverse();
    for (const step of steps) await step();
  }
  return out;
}

/**
 * Starts a bridge with MCP_BRIDGE_POOL_SIZE=2, runs once (the first run finds the engine and creates the sandbox and
 * its pool) and waits for the pool to fill. A pool that never fills is noted: the figures are then not warm ones.
 */
export async function startPooledBridge(
  ctx: BenchContext,
  engine: Engine,
  fixture: Fixture,
): Promise<{ session: BridgeSession; label: string }> {
  const session = await BridgeSession.start({ engine, fixture, poolSize: POOL_SIZE });
  const label = await session.label();
  await timedRun(session);
  const filled = await settle(engine, label, POOL_SIZE, { timeoutMs: 60_000, extraMs: 500 });
  if (!filled) {
    ctx.poolNote =
      `The bridge's pool did not fill within 60 s of its first run: check that it honours MCP_BRIDGE_POOL_SIZE ` +
      '(warm figures may be cold ones)';
    ctx.log(`! ${ctx.poolNote}`);
  }
  return { session, label };
}

export async function runTimes(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const rounds = ctx.quick ? 5 : 15;
  const fixture = await createFixture(() => ({}));
  const rows: Row[] = [];
  try {
    // Cold: pool off, so every run starts its container.
    const cold = await BridgeSession.start({ engine, fixture, poolSize: 0 });
    try {
      const label = await cold.label();
      await timedRun(cold);
      await bareRun(engine);
      await settle(engine, label, 0);
      ctx.log(`${engine}: cold runs against bare runs, ${rounds} rounds`);
      const m = await interleave(
        engine,
        rounds,
        () => timedRun(cold),
        () => settle(engine, label, 0),
      );
      const subject = summarize(m.subject);
      const baseline = summarize(m.baseline);
      const ratio = subject.median / baseline.median;
      rows.push({
        id: `cold-run/${engine}`,
        what: `(1) cold run_python print(1), ${engine}, pool off`,
        unit: 'ms',
        subject,
        baseline,
        value: ratio,
        shown: `${fmt(ratio)}× bare run`,
        target: '≤ 1.3×',
        pass: ratio <= 1.3,
      });
    } finally {
      const { left } = await cold.close();
      if (left) ctx.log(`! ${left} container(s) of the cold bridge were left and removed`);
    }

    // Warm: the pool on; after each run the bench waits for the pool to refill before the next measurement.
    const { session, label } = await startPooledBridge(ctx, engine, fixture);
    try {
      ctx.log(`${engine}: warm runs against bare runs, ${rounds} rounds`);
      const m = await interleave(
        engine,
        rounds,
        () => timedRun(session),
        () => settle(engine, label, POOL_SIZE, { timeoutMs: 40_000, extraMs: 300 }),
      );
      const subject = summarize(m.subject);
      const baseline = summarize(m.baseline);
      const ratio = subject.median / baseline.median;
      rows.push({
        id: `warm-run/${engine}`,
        what: `(2) warm run_python print(1), ${engine}, pool ${POOL_SIZE}`,
        unit: 'ms',
        subject,
        baseline,
        value: ratio,
        shown: `${fmt(ratio)}× bare run`,
        target: '≤ 0.25×',
        pass: ratio <= 0.25,
        note: ctx.poolNote,
      });
    } finally {
      const { left } = await session.close();
      if (left) ctx.log(`! ${left} container(s) of the warm bridge were left and removed`);
    }
  } finally {
    await fixture.cleanup();
  }
  return rows;
}
