// Two bridges timed in turns against each other, for the sections that compare a way of reaching containers (a
// remote engine, a cluster) with the local engine: the same run of `print(1)`, the order flipping every round.
import { timedRun } from '../sections/run-times.js';
import type { BridgeSession } from './bridge.js';
import type { Row } from './report.js';
import { fmt, type Summary, summarize } from './stats.js';

export type Side = 'local' | 'subject';

export interface SideBySide {
  local: Summary;
  subject: Summary;
}

/**
 * Runs `print(1)` on the local bridge and on the subject in turns (local first on even rounds, the subject first on
 * odd ones), `after` each run with the side that ran, so that neither pays for the other's background work.
 */
export async function alternate(
  sessions: Record<Side, BridgeSession>,
  { rounds, after }: { rounds: number; after: (side: Side) => Promise<unknown> },
): Promise<SideBySide> {
  const times: Record<Side, number[]> = { local: [], subject: [] };
  for (let i = 0; i < rounds; i += 1) {
    const order: Side[] = i % 2 ? ['subject', 'local'] : ['local', 'subject'];
    for (const side of order) {
      times[side].push(await timedRun(sessions[side]));
      await after(side);
    }
  }
  return { local: summarize(times.local), subject: summarize(times.subject) };
}

/** A row of the subject's median against the local one: `1.03× (190 vs 184 ms local)`. */
export function againstLocal(
  base: Pick<Row, 'id' | 'what'> & Partial<Pick<Row, 'note' | 'extra'>>,
  m: SideBySide,
): Row {
  const ratio = m.subject.median / m.local.median;
  return {
    ...base,
    unit: 'ms',
    subject: m.subject,
    baseline: m.local,
    value: ratio,
    shown: `${fmt(ratio)}× (${fmt(m.subject.median)} vs ${fmt(m.local.median)} ms local)`,
  };
}
