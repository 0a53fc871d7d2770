import { LineTail, messageOf } from '@codexec/internal';
import type { Implementation, Tool } from '@modelcontextprotocol/sdk/types.js';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Connection, ConnectionFactory } from './connection-factory.js';
import { closedError, connectionEndedError, unreachableError } from './error-mapping.js';
import type { UpstreamError } from './errors.js';
import type { EventHub, ServerState } from './events.js';
import type { Logger } from './logger.js';
import type { ServerTuning } from './options.js';
import type { RestartPolicy } from './restart-policy.js';
import type { UpstreamServer } from './server-config.js';
import { startServer } from './start-server.js';

/** What every slot of one pool shares. */
export interface PoolRuntime {
  readonly logger: Logger;
  readonly events: EventHub;
  /** Aborted when the pool closes. */
  readonly lifetime: AbortSignal;
  readonly restartPolicy: RestartPolicy;
  readonly clientInfo: Implementation;
  readonly connect: ConnectionFactory;
  readonly stderrLines: number;
}

/** A connection with what the pool knows about it. */
export interface Live {
  connection: Connection | undefined;
  tools: Promise<Tool[]> | undefined;
  /** Closed on purpose (idle, close, dropped after a transport failure): its end is not a crash. */
  intentional: boolean;
  /** How it ended when that was a failure ("exited (exit code 3)"), for the calls it took down. */
  end: { code: 'DISCONNECTED' | 'PROTOCOL_ERROR'; text: string } | undefined;
}

/**
 * One configured server and its state machine (see `ServerState`): at most one live connection, at most one start
 * in progress (which concurrent callers share), the restart history the restart policy decides on, the stderr tail,
 * the concurrency limit and the idle timer. Every state change goes through `setState`, which emits it.
 */
export class Slot {
  state: ServerState;
  live: Live | undefined;
  starting: Promise<Live> | undefined;
  /** Set when the last connection crashed or the last start failed: the next start is a restart. */
  needsRestart = false;
  restartTimes: number[] = [];
  restarts = 0;
  consecutiveFailures = 0;
  lastFailureAt = 0;
  lastError: UpstreamError | undefined;
  knownTools: Tool[] | undefined;
  /** callTool/metadata/connect invocations in progress, queued ones included. */
  private busy = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  readonly limit: LimitFunction;
  readonly stderr: LineTail;

  constructor(
    readonly config: UpstreamServer,
    readonly tuning: ServerTuning,
    readonly runtime: PoolRuntime,
  ) {
    this.state = config.enabled === false ? 'disabled' : 'idle';
    this.limit = pLimit(tuning.maxConcurrency);
    this.stderr = new LineTail(runtime.stderrLines);
  }

  get name(): string {
    return this.config.name;
  }

  get closing(): boolean {
    return this.runtime.lifetime.aborted;
  }

  stderrTail(): string[] {
    return this.stderr.snapshot();
  }

  /** Runs `work` as a use of the server: no idle stop while it runs, the idle timer restarts after it. */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.busy += 1;
    clearTimeout(this.idleTimer);
    try {
      return await work();
    } finally {
      this.busy -= 1;
      this.scheduleIdle();
    }
  }

  /** The live connection, starting the server if needed; concurrent callers share one start. */
  connection(): Promise<Live> {
    if (this.closing) return Promise.reject(closedError(this.name));
    if (this.live) return Promise.resolve(this.live);
    if (!this.starting) {
      const starting = startServer(this).finally(() => {
        if (this.starting === starting) this.starting = undefined;
      });
      starting.catch(() => {});
      this.starting = starting;
    }
    return this.starting;
  }

  setState(
    state: ServerState,
    extra: { pid?: number | undefined; error?: UpstreamError | undefined } = {},
  ): void {
    const previous = this.state;
    if (previous === state) return;
    this.state = state;
    this.runtime.events.emit({ type: 'state', server: this.name, state, previous, ...extra });
  }

  recordFailure(error: UpstreamError): void {
    this.needsRestart = true;
    this.consecutiveFailures += 1;
    this.lastFailureAt = Date.now();
    this.lastError = error;
  }

  /** The connection ended by itself: a crash (process exit, broken stream). The next use restarts the server. */
  connectionEnded(live: Live): void {
    if (this.live !== live || live.intentional) return;
    this.live = undefined;
    clearTimeout(this.idleTimer);
    const ending = live.connection?.ending();
    live.end = {
      code: ending?.protocolError ? 'PROTOCOL_ERROR' : 'DISCONNECTED',
      text: ending?.text ?? 'closed the connection',
    };
    const error = connectionEndedError(this, live.end);
    this.recordFailure(error);
    this.setState('crashed', { error });
    this.runtime.logger.warn('upstream server disconnected', { server: this.name, error: error.message });
  }

  /** A request failed in a way that leaves the connection unusable (HTTP unreachable, pipe broken). */
  dropConnection(live: Live, cause: unknown): void {
    if (this.live !== live) return;
    this.live = undefined;
    live.intentional = true;
    live.end = { code: 'DISCONNECTED', text: `became unreachable (${messageOf(cause)})` };
    const error = unreachableError(this.name, live.end.text, cause);
    this.recordFailure(error);
    this.setState('crashed', { error });
    void live.connection?.close().catch(() => {});
  }

  /** Ends the live connection and waits for a start in progress to give up; the slot is `closed` after. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const { live, starting } = this;
    this.live = undefined;
    if (live) {
      live.intentional = true;
      await live.connection?.close();
    }
    // A start in progress sees the aborted lifetime and ends what it started.
    await starting?.catch(() => {});
    this.setState('closed');
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    const idleMs = this.tuning.idleTimeoutMs;
    if (idleMs <= 0 || !this.live || this.busy > 0 || this.closing) return;
    this.idleTimer = setTimeout(() => {
      const live = this.live;
      if (!live || this.busy > 0 || this.closing) return;
      this.live = undefined;
      live.intentional = true;
      this.setState('idle');
      this.runtime.logger.info('upstream server stopped after idling', { server: this.name, idleMs });
      void live.connection?.close().catch(() => {});
    }, idleMs);
    this.idleTimer.unref();
  }
}
