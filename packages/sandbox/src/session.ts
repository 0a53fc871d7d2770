import { setMaxListeners } from 'node:events';
import { PROTOCOL_REVISION } from '@codexec/frame-protocol';
import { formatDuration, untilAborted } from '@codexec/internal';
import type { AttachmentLimits } from './attachments.js';
import { SandboxError } from './errors.js';
import { type Ending, executeOn, type OutputChunk } from './execute.js';
import type { Logger } from './logger.js';
import { failedRun, type RunResult, type SessionRunInfo } from './run-result.js';
import type { ReadyContainer } from './runtime-container.js';
import type { RunOptions } from './sandbox-options.js';
import type { SessionRegistry } from './session-registry.js';

/** Options of `sandbox.openSession`. */
export interface SessionOptions {
  /** A name for logs and for `info()`; the sandbox makes an id of its own either way. */
  name?: string;
}

/** What a session is now: `session.info()`. */
export interface SessionInfo {
  id: string;
  name?: string;
  /** Runs that got their turn so far (every run, whatever its status). */
  runs: number;
  /** When the session was opened. */
  openedAt: Date;
  /** When its current container was started; undefined when it holds none (not started yet, lost, expired). */
  startedAt?: Date;
  /** When its last run ended (or when it was opened). */
  lastUsedAt: Date;
  /** The name of its container, while it holds one. */
  container?: string;
  /** A run is in progress or waiting for its turn. */
  busy: boolean;
  closed: boolean;
}

/** Runs code in one container, one run at a time: globals, imports and files persist between its runs. */
export interface Session {
  readonly id: string;
  /**
   * Runs code in this session's interpreter, after the runs before it (waiting is not part of `timeoutMs`;
   * aborting `signal` while waiting ends the run as `cancelled` without running it). A timeout or cancel
   * interrupts the code (KeyboardInterrupt) and keeps the state when the code stops within a short grace;
   * otherwise, and whenever the container dies, the state is lost: `result.session` says so, and the next run
   * starts a new container and says why. Rejects only with `SandboxError` `INVALID_OPTIONS` or `CLOSED`.
   */
  run(options: SessionRunOptions): Promise<RunResult>;
  /** Forgets the state: the next run (after those already waiting) starts in a new container. */
  reset(): Promise<void>;
  /** Ends a run in progress as `cancelled`, removes the container, refuses new runs. Idempotent. */
  close(): Promise<void>;
  info(): SessionInfo;
}

export type SessionRunOptions = Omit<RunOptions, 'onOutput'> & { onOutput?: (chunk: OutputChunk) => void };

/** Settings of the sessions of one sandbox (`SandboxOptions.sessions`). */
export interface SessionLimits {
  /** Sessions holding a container at once; past it the least recently used idle one gives its container up. */
  max: number;
  /** A session idle this long gives its container up (its state is lost; the next run says so). */
  idleTimeoutMs: number;
  /** How long an interrupted run may take to stop before its container is removed. */
  interruptGraceMs: number;
}

export const DEFAULT_MAX_SESSIONS = 8;
export const DEFAULT_SESSION_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_INTERRUPT_GRACE_MS = 2_000;

/** What the sandbox lends its sessions. */
export interface SessionHost {
  limits: SessionLimits;
  logger: Logger;
  /** Aborted when the sandbox closes. */
  closing: AbortSignal;
  /** A ready container (warm pool or cold start), or the run's result when there is none. */
  container(signal: AbortSignal, failure: FailureResult): Promise<ReadyContainer | RunResult>;
  /** Validated per-run settings. */
  runSettings(options: RunOptions): { timeoutMs: number; callTimeoutMs: number };
  execute: { maxOutputBytes: number; memory: string; attachments: AttachmentLimits };
  /** Called when a session stops holding a container, so a run waiting for a slot can go on. */
  released(): void;
}

export type FailureResult = (status: 'error' | 'cancelled', type: string, message: string) => RunResult;

/** Why the state of a session was lost, in words that finish "the state was reset: …". */
function lostReason(ending: Ending['kind'], result: RunResult): string {
  switch (ending) {
    case 'timeout':
      return 'the previous run timed out and did not stop when interrupted, so its container was removed';
    case 'cancelled':
      return 'the previous run was cancelled and did not stop when interrupted, so its container was removed';
    case 'protocol':
      return 'the previous run broke the frame protocol, so its container was removed';
    case 'exited':
      return result.error?.type === 'MemoryError'
        ? 'the previous run exceeded the memory limit and its container was killed'
        : 'the container of the previous run exited';
    default:
      return 'the container of the previous run could not be used any more';
  }
}

/** One session: its container, its queue of runs, and how it loses its state. */
export class SessionImpl implements Session {
  readonly id: string;
  readonly #name: string | undefined;
  readonly #registry: SessionRegistry;
  readonly #host: SessionHost;
  readonly #openedAt = new Date();
  readonly #closing = new AbortController();
  #container: ReadyContainer | undefined;
  #startedAt: Date | undefined;
  #dead = false;
  /** Why the next run starts afresh, when it is not the session's first. */
  #pendingReason: string | undefined;
  #runs = 0;
  #waiting = 0;
  #running = false;
  #tail: Promise<void> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;
  lastUsed = Date.now();

  constructor(registry: SessionRegistry, host: SessionHost, id: string, options: SessionOptions) {
    this.#registry = registry;
    this.#host = host;
    this.id = id;
    this.#name = options.name;
    setMaxListeners(0, this.#closing.signal);
  }

  get busy(): boolean {
    return this.#running || this.#waiting > 0;
  }

  info(): SessionInfo {
    return {
      id: this.id,
      ...(this.#name === undefined ? {} : { name: this.#name }),
      runs: this.#runs,
      openedAt: this.#openedAt,
      ...(this.#container && this.#startedAt ? { startedAt: this.#startedAt } : {}),
      lastUsedAt: new Date(this.lastUsed),
      ...(this.#container ? { container: this.#container.name } : {}),
      busy: this.busy,
      closed: this.#closed,
    };
  }

  /** Waits for the runs before this one; resolves with a release function, or undefined when aborted first. */
  async #turn(signal: AbortSignal): Promise<(() => void) | undefined> {
    const before = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#waiting += 1;
    // The listener goes with the wait: reset() waits on the session's own long-lived signal.
    const outcome = await untilAborted(
      before.then(() => 'ready' as const),
      signal,
    ).catch(() => 'aborted' as const);
    this.#waiting -= 1;
    if (outcome === 'aborted') {
      // Later runs wait for the ones before this one, not for this one.
      void before.then(release);
      return undefined;
    }
    this.#running = true;
    clearTimeout(this.#idleTimer);
    return () => {
      this.#running = false;
      this.lastUsed = Date.now();
      this.#scheduleIdle();
      this.#registry.idleChanged();
      release();
    };
  }

  #scheduleIdle(): void {
    clearTimeout(this.#idleTimer);
    if (!this.#container || this.#closed) return;
    this.#idleTimer = setTimeout(() => {
      if (this.busy) return;
      void this.giveUp(
        `the session was idle for more than ${formatDuration(this.#host.limits.idleTimeoutMs)}`,
      );
    }, this.#host.limits.idleTimeoutMs);
    this.#idleTimer.unref();
  }

  /** Removes the container and remembers why: the next run starts afresh and says so. */
  async giveUp(reason: string): Promise<void> {
    clearTimeout(this.#idleTimer);
    const container = this.#container;
    this.#container = undefined;
    this.#startedAt = undefined;
    if (container) {
      this.#pendingReason = reason;
      this.#host.logger.debug('session gave its container up', { session: this.id, reason });
      this.#registry.leave(this);
      await container.stop();
    } else {
      this.#registry.leave(this);
    }
  }

  async run(options: SessionRunOptions): Promise<RunResult> {
    const startedAt = performance.now();
    if (this.#closed || this.#host.closing.aborted) {
      throw new SandboxError('CLOSED', 'This session was closed: open a new one with sandbox.openSession()');
    }
    if (typeof options?.code !== 'string') {
      throw new SandboxError('INVALID_OPTIONS', 'run() needs `code`, a string of Python source');
    }
    const { timeoutMs, callTimeoutMs } = this.#host.runSettings(options);
    const signal = AbortSignal.any(
      [options.signal, this.#closing.signal, this.#host.closing].filter((s): s is AbortSignal => !!s),
    );
    const failure: FailureResult = (status, type, message) => failedRun(startedAt, status, type, message);

    const release = await this.#turn(signal);
    if (!release) {
      return failure(
        'cancelled',
        'Cancelled',
        "The run was cancelled while it waited for the session's previous run",
      );
    }
    try {
      this.#runs += 1;
      const run = this.#runs;
      const info = (state: 'new' | 'kept', extra: Partial<SessionRunInfo> = {}): SessionRunInfo => ({
        id: this.id,
        run,
        state,
        ...extra,
      });
      // The container is reused: its engine client must run now (read from the kernel, not from an exit event
      // still queued), else the container is as good as gone, even if it would still answer over the socket.
      if (this.#container && (this.#dead || !this.#container.alive())) {
        await this.giveUp('the container of the session exited between runs');
      }
      let state: 'new' | 'kept' = 'kept';
      let reason: string | undefined;
      if (!this.#container) {
        state = 'new';
        reason = run > 1 ? (this.#pendingReason ?? 'the session had no container') : undefined;
        const started = await this.#take(signal, timeoutMs, failure);
        if (!('channel' in started)) {
          return { ...started, session: info('new', reason ? { reason } : {}) };
        }
        if ((started.hello.revision ?? 1) < PROTOCOL_REVISION) {
          await this.giveUp('the runtime was too old');
          return {
            ...failure(
              'error',
              'SandboxError',
              `The sandbox runtime speaks frame protocol revision ${started.hello.revision ?? 1}; sessions need ` +
                `${PROTOCOL_REVISION}: use a runtime and a host from the same release`,
            ),
            session: info('new'),
          };
        }
      }
      const ready = this.#container!;
      const outcome = await executeOn(ready, {
        // Run numbers only grow, so ids stay unique on every container the session has.
        executeId: `x${run}`,
        persist: true,
        interruptGraceMs: this.#host.limits.interruptGraceMs,
        code: options.code,
        servers: options.servers ?? [],
        discovered: options.discovered ?? (options.servers ?? []).map((server) => server.name),
        toolHost: options.toolHost,
        memoryStore: options.memoryStore,
        skillStore: options.skillStore,
        attachments: this.#host.execute.attachments,
        timeoutMs,
        callTimeoutMs,
        maxOutputBytes: this.#host.execute.maxOutputBytes,
        memory: this.#host.execute.memory,
        signal,
        onOutput: options.onOutput,
        startedAt,
        logger: this.#host.logger,
      });
      const result = outcome.result;
      if (outcome.finished) {
        if (outcome.interrupted && result.error) {
          result.error.message += "; the session's state is kept";
        }
        return { ...result, session: info(state, reason ? { reason } : {}) };
      }
      const lost = lostReason(outcome.ending, result);
      await this.giveUp(lost);
      return {
        ...result,
        session: info(state, {
          ...(reason ? { reason } : {}),
          lost: `the session's variables, imports and files are gone (${lost.replace('the previous run', 'this run')}); the next run starts afresh`,
        }),
      };
    } finally {
      release();
    }
  }

  /** Takes a live slot and a container for this session. */
  async #take(
    signal: AbortSignal,
    waitMs: number,
    failure: FailureResult,
  ): Promise<ReadyContainer | RunResult> {
    if (!(await this.#registry.enter(this, signal, waitMs))) {
      if (signal.aborted) {
        return failure('cancelled', 'Cancelled', 'The run was cancelled before its container was ready');
      }
      return failure(
        'error',
        'SandboxError',
        `Every one of the ${this.#host.limits.max} sessions that may hold a container is running code, and none ` +
          `finished within ${formatDuration(waitMs)}: close sessions you no longer need, or raise \`sessions.max\``,
      );
    }
    const got = await this.#host.container(signal, failure);
    if (!('channel' in got)) {
      this.#registry.leave(this);
      return got;
    }
    if (this.#closed) {
      // Closed while the container started: it is not kept.
      await got.stop();
      this.#registry.leave(this);
      return failure('cancelled', 'Cancelled', 'The session was closed before its container was ready');
    }
    this.#container = got;
    this.#startedAt = new Date();
    this.#dead = false;
    this.#pendingReason = undefined;
    void got.container.exited.then(() => {
      if (this.#container === got) this.#dead = true;
    });
    return got;
  }

  async reset(): Promise<void> {
    if (this.#closed) return;
    const release = await this.#turn(this.#closing.signal);
    if (!release) return;
    try {
      await this.giveUp('a reset was asked for');
    } finally {
      // A reset is not a run: the session's last use stays what it was.
      const lastUsed = this.lastUsed;
      release();
      this.lastUsed = lastUsed;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(new SandboxError('CLOSED', 'The session was closed'));
    clearTimeout(this.#idleTimer);
    // The run in progress ends as cancelled (its signal is aborted); then the container goes.
    await this.#tail.catch(() => {});
    await this.giveUp('the session was closed');
    this.#registry.forget(this);
  }
}
