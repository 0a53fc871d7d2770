// (1) cold and (2) warm run_python("print(1)") through the built bridge over stdio, against the same code run in a
// container with the bridge's own hardened arguments through the engine's CLI (`hardenedRun`), measured in the same
// run, interleaved. Both sides are timed until the result and, for cold runs, until the container is removed.
// The third warm shape, runs inside a session, is in sessions.ts.
import { BridgeSession, createFixture, type Fixture } from '../lib/bridge.js';
import { type Engine, settle } from '../lib/engines.js';
import { hardenedRun, PRINT_ONE, type RunTiming } from '../lib/hardened-run.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, type Summary, summarize } from '../lib/stats.js';

const POOL_SIZE = 2;
/** The existing targets: a cold run within 1.3× of the baseline, a warm one within a quarter of it. */
const COLD_TARGET = 1.3;
const WARM_TARGET = 0.25;

/** A run of `print(1)`, timed until its result; throws when the result is not what the code prints. */
export async function timedRun(session: BridgeSession): Promise<number> {
  const started = performance.now();
  const reply = await session.run(PRINT_ONE.code);
  const ms = performance.now() - started;
  if (reply.status !== 'success' || `${reply.stdout.join('\n')}\n` !== PRINT_ONE.stdout) {
    throw new Error(`run_python("print(1)") went wrong: ${reply.status} ${reply.error ?? ''}`);
  }
  return ms;
}

/** A run of a bridge without a pool, timed until its result and until its container is gone. */
async function timedColdRun(session: BridgeSession): Promise<RunTiming> {
  const started = performance.now();
  const resultMs = await timedRun(session);
  if (!(await session.untilContainersGone())) throw new Error("the cold run's container was never removed");
  return { resultMs, removedMs: performance.now() - started };
}

/**
 * Alternates baseline and subject (baseline first on even rounds, subject first on odd ones) and lets the bridge
 * settle after each subject run, so neither side pays for the other's background work.
 */
async function interleave<S>(
  engine: Engine,
  rounds: number,
  subject: () => Promise<S>,
  afterSubject: () => Promise<unknown>,
): Promise<{ subject: S[]; baseline: RunTiming[] }> {
  const out = { subject: [] as S[], baseline: [] as RunTiming[] };
  for (let i = 0; i < rounds; i += 1) {
    const steps = [
      async () => out.baseline.push(await hardenedRun(engine)),
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
  options: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<{ session: BridgeSession; label: string }> {
  const session = await BridgeSession.start({ engine, fixture, poolSize: POOL_SIZE, ...options });
  const label = await session.label();
  await timedRun(session);
  if (!(await waitForPool(engine, label))) {
    ctx.poolNote =
      `The bridge's pool did not fill within 60 s of its first run: check that it honours MCP_BRIDGE_POOL_SIZE ` +
      '(warm figures may be cold ones)';
    ctx.log(`! ${ctx.poolNote}`);
  }
  return { session, label };
}

/** Waits until the pool of a bridge started by `startPooledBridge` is full again. */
export function waitForPool(engine: Engine, label: string, extraMs = 500): Promise<boolean> {
  return settle(engine, label, POOL_SIZE, { timeoutMs: 60_000, extraMs });
}

/** `0.41× (190 ms vs 460 ms)`. */
const against = (subject: Summary, baseline: Summary): string =>
  `${fmt(subject.median / baseline.median)}× (${fmt(subject.median)} vs ${fmt(baseline.median)} ms)`;

function ratioRow(
  base: Omit<Row, 'unit' | 'value' | 'pass'>,
  subject: Summary,
  baseline: Summary,
  target: number,
): Row {
  const ratio = subject.median / baseline.median;
  return {
    unit: 'ms',
    ...base,
    subject,
    baseline,
    value: ratio,
    pass: ratio <= target,
  };
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
      await timedColdRun(cold);
      await hardenedRun(engine);
      await settle(engine, label, 0);
      ctx.log(`${engine}: cold runs against hardened CLI runs, ${rounds} rounds`);
      const m = await interleave(
        engine,
        rounds,
        () => timedColdRun(cold),
        () => settle(engine, label, 0),
      );
      const baseResult = summarize(m.baseline.map((t) => t.resultMs));
      const baseRemoved = summarize(m.baseline.map((t) => t.removedMs ?? Number.NaN));
      const result = summarize(m.subject.map((t) => t.resultMs));
      const removed = summarize(m.subject.map((t) => t.removedMs ?? Number.NaN));
      rows.push(
        ratioRow(
          {
            id: `cold-run/${engine}`,
            what: `(1) cold run_python print(1), ${engine}, pool off: until the result`,
            shown: `${against(result, baseResult)} hardened CLI run until its output`,
            target: `≤ ${COLD_TARGET}×`,
          },
          result,
          baseResult,
          COLD_TARGET,
        ),
        ratioRow(
          {
            id: `cold-run-removed/${engine}`,
            what: `(1b) the same until the container is removed`,
            shown: `${against(removed, baseRemoved)} hardened CLI run until \`run --rm\` exits`,
            target: `≤ ${COLD_TARGET}×`,
          },
          removed,
          baseRemoved,
          COLD_TARGET,
        ),
      );
    } finally {
      const { left } = await cold.close();
      if (left) ctx.log(`! ${left} container(s) of the cold bridge were left and removed`);
    }

    const { session, label } = await startPooledBridge(ctx, engine, fixture);
    try {
      // Spaced: after each run the bench waits for the pool to refill before the next measurement.
      ctx.log(`${engine}: warm runs, spaced, against hardened CLI runs, ${rounds} rounds`);
      const spaced = await interleave(
        engine,
        rounds,
        () => timedRun(session),
        () => waitForPool(engine, label, 300),
      );
      const spacedBase = summarize(spaced.baseline.map((t) => t.resultMs));
      const spacedSubject = summarize(spaced.subject);
      rows.push(
        ratioRow(
          {
            id: `warm-run/${engine}`,
            what: `(2a) warm run_python print(1), ${engine}, pool ${POOL_SIZE}, spaced (the pool refilled before each run)`,
            shown: `${against(spacedSubject, spacedBase)} hardened CLI run until its output`,
            target: `≤ ${WARM_TARGET}×`,
            note: ctx.poolNote,
          },
          spacedSubject,
          spacedBase,
          WARM_TARGET,
        ),
      );

      // Back to back: each run starts as soon as the last one answered, as a model calling in a loop would, so the
      // pool drains; the baseline likewise runs its containers one after another.
      const bursts = ctx.quick ? 2 : 3;
      const burstRuns = ctx.quick ? 6 : 10;
      ctx.log(`${engine}: warm runs back to back, ${bursts} bursts of ${burstRuns}`);
      const b2b = { subject: [] as number[], baseline: [] as number[], firstTwo: [] as number[] };
      for (let b = 0; b < bursts; b += 1) {
        const steps = [
          async () => {
            for (let i = 0; i < burstRuns; i += 1) b2b.baseline.push((await hardenedRun(engine)).resultMs);
          },
          async () => {
            for (let i = 0; i < burstRuns; i += 1) {
              const ms = await timedRun(session);
              b2b.subject.push(ms);
              if (i < POOL_SIZE) b2b.firstTwo.push(ms);
            }
            await waitForPool(engine, label, 300);
          },
        ];
        if (b % 2) steps.reverse();
        for (const step of steps) await step();
      }
      const b2bBase = summarize(b2b.baseline);
      const b2bSubject = summarize(b2b.subject);
      rows.push(
        ratioRow(
          {
            id: `warm-run-back-to-back/${engine}`,
            what: `(2b) the same back to back, ${bursts}×${burstRuns} runs with no gap (the pool drains)`,
            shown:
              `${against(b2bSubject, b2bBase)} hardened CLI runs back to back; the first ${POOL_SIZE} of each ` +
              `burst ${fmt(summarize(b2b.firstTwo).median)} ms`,
            target: `≤ ${WARM_TARGET}×`,
            extra: { firstRunsOfBurstsMs: b2b.firstTwo },
          },
          b2bSubject,
          b2bBase,
          WARM_TARGET,
        ),
      );
    } finally {
      const { left } = await session.close();
      if (left) ctx.log(`! ${left} container(s) of the warm bridge were left and removed`);
    }
  } finally {
    await fixture.cleanup();
  }
  return rows;
}
