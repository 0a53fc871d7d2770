/** The runs the console shows: those in progress with their tool calls as they happen, and the recent ones. */

import type { Sandbox } from '@codexec/sandbox';
import type { UpstreamPool } from '@codexec/upstream-pool';
import { type AuditRecord, readAuditTrail } from '../audit/audit-log.js';
import type { ConnectionSessions } from '../connection-sessions.js';
import type { Logger } from '../logger.js';
import type { ConsoleState } from './console-page.js';

export interface LiveCall {
  server: string;
  tool: string;
  startedAt: number;
  durationMs?: number | undefined;
  outcome?: string | undefined;
}

export interface LiveRun {
  run: string;
  servers: readonly string[];
  session: string | undefined;
  startedAt: number;
  durationMs?: number | undefined;
  status?: string | undefined;
  calls: LiveCall[];
  /** Calls past the ones kept (a run may make thousands). */
  moreCalls: number;
}

/** What the tool-call controls tell about runs (`call-control.ts`). */
export interface RunObserver {
  runStarted(run: { run: string; servers: readonly string[]; session: string | undefined }): void;
  callStarted(run: string, call: { server: string; tool: string }): LiveCall | undefined;
  callEnded(call: LiveCall | undefined, outcome: string): void;
  runEnded(run: string, status: string): void;
}

const KEPT_CALLS = 50;
const KEPT_RUNS = 50;

export class LiveRuns implements RunObserver {
  readonly #active = new Map<string, LiveRun>();
  readonly #recent: LiveRun[] = [];

  /** With an audit trail, its runs are the first recent ones (read in the background). */
  constructor(auditFile?: string, logger?: Logger) {
    if (!auditFile) return;
    readAuditTrail(auditFile)
      .then((records) => this.seed(records))
      .catch((error: unknown) => logger?.debug('could not read the audit trail', { error: String(error) }));
  }

  runStarted(run: { run: string; servers: readonly string[]; session: string | undefined }): void {
    this.#active.set(run.run, { ...run, startedAt: Date.now(), calls: [], moreCalls: 0 });
  }

  callStarted(run: string, call: { server: string; tool: string }): LiveCall | undefined {
    const live = this.#active.get(run);
    if (!live) return undefined;
    const entry: LiveCall = { ...call, startedAt: Date.now() };
    if (live.calls.length < KEPT_CALLS) live.calls.push(entry);
    else live.moreCalls += 1;
    return entry;
  }

  callEnded(call: LiveCall | undefined, outcome: string): void {
    if (!call) return;
    call.durationMs = Date.now() - call.startedAt;
    call.outcome = outcome;
  }

  runEnded(run: string, status: string): void {
    const live = this.#active.get(run);
    if (!live) return;
    this.#active.delete(run);
    live.durationMs = Date.now() - live.startedAt;
    live.status = status;
    this.#recent.unshift(live);
    this.#recent.length = Math.min(this.#recent.length, KEPT_RUNS);
  }

  /** Adds runs of earlier lives of the bridge, from its audit trail (oldest first), after the ones seen since. */
  seed(records: readonly AuditRecord[]): void {
    const byRun = new Map<string, LiveRun>();
    const runs: LiveRun[] = [];
    for (const record of records) {
      if (record.type === 'call') {
        let run = byRun.get(record.run);
        if (!run) {
          run = {
            run: record.run,
            servers: [],
            session: record.session,
            startedAt: Date.parse(record.time),
            calls: [],
            moreCalls: 0,
          };
          byRun.set(record.run, run);
        }
        const call = {
          server: record.server,
          tool: record.tool,
          startedAt: Date.parse(record.time),
          durationMs: record.durationMs,
          outcome: record.outcome,
        };
        if (run.calls.length < KEPT_CALLS) run.calls.push(call);
        else run.moreCalls += 1;
      } else {
        const calls = byRun.get(record.run);
        runs.push({
          run: record.run,
          servers: record.servers,
          session: record.session,
          startedAt: Date.parse(record.time),
          durationMs: record.durationMs,
          status: record.status,
          calls: calls?.calls ?? [],
          moreCalls: calls?.moreCalls ?? 0,
        });
      }
    }
    const seen = new Set(this.#recent.map((run) => run.run));
    const earlier = runs.reverse().filter((run) => !seen.has(run.run));
    this.#recent.push(...earlier.slice(0, Math.max(0, KEPT_RUNS - this.#recent.length)));
  }

  snapshot(): { active: LiveRun[]; recent: LiveRun[] } {
    return { active: [...this.#active.values()], recent: [...this.#recent] };
  }
}

/** What the console shows, from the parts of the bridge that know it. */
export function consoleStateOf(parts: {
  version: string;
  pool: UpstreamPool;
  sessions: ConnectionSessions;
  sandbox: Sandbox | undefined;
  runs: LiveRuns;
}): ConsoleState {
  return {
    version: parts.version,
    time: new Date().toISOString(),
    servers: parts.pool.status().map((server) => ({
      name: server.name,
      transport: server.transport,
      state: server.state,
      restarts: server.restarts,
      toolCount: server.toolCount,
      active: server.active,
      queued: server.queued,
      lastError: server.lastError?.message,
    })),
    sessions: parts.sessions.describe(),
    pool: parts.sandbox?.poolStatus(),
    runs: parts.runs.snapshot(),
  };
}
