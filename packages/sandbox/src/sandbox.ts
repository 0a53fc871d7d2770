import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { containerName, ownerLabels } from '@codexec/container-runtime';
import type { LimitsReport } from '@codexec/frame-protocol';
import { ChannelChoice } from './direct-channel.js';
import { SandboxError } from './errors.js';
import { executeOn } from './execute.js';
import { describeLimits, limitsRefusal } from './limits.js';
import { failedRun, type RunResult } from './run-result.js';
import { type ReadyContainer, startRuntimeContainer } from './runtime-container.js';
import {
  type RunOptions,
  resolveSandboxOptions,
  runTimeouts,
  type SandboxOptions,
} from './sandbox-options.js';
import type { FailureResult, Session, SessionOptions } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { type PoolStatus, WarmPool } from './warm-pool.js';

export type { RunOptions, SandboxOptions };

export interface Sandbox {
  readonly instanceId: string;
  /** Labels of this sandbox's containers: `runtime.list(labels)` / `runtime.reap(labels)` find them. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Runs code in a fresh container (named `codexec-<run id>`, taken from the warm pool when there is one, removed
   * afterwards whatever happens: in the background once the code finished, before resolving otherwise). Resolves
   * with a result for everything the code, the container or the engine do; rejects only with `SandboxError`
   * `INVALID_OPTIONS` or `CLOSED`.
   */
  run(options: RunOptions): Promise<RunResult>;
  /**
   * A session: one container serving many runs, one at a time, in one interpreter (globals, imports, functions
   * and files in `/tmp` and `/workspace` persist). The container is taken on the first run (from the warm pool
   * when there is one). Throws `SandboxError` `CLOSED` after `close()`.
   */
  openSession(options?: SessionOptions): Session;
  /** Sessions open, and those holding a container now. */
  sessionStatus(): { open: number; live: number };
  /** What the warm pool holds and has done (all zero with the pool off). */
  poolStatus(): PoolStatus;
  /**
   * How the limits hold in this sandbox's containers, as the last container to start reported it (read from the
   * kernel inside it, before any code ran): by cgroups, by the runtime's rlimit fallback, or not at all. Undefined
   * until a container has started (see `probeLimits`), or when the runtime sent no report.
   */
  limits(): LimitsReport | undefined;
  /**
   * `limits()`, starting a container to ask when none has started yet (removed at once; bounded by
   * `startTimeoutMs`). Rejects with `SandboxError` when no container can start. The answer is kept per sandbox.
   */
  probeLimits(): Promise<LimitsReport | undefined>;
  /**
   * Ends every run in progress as `cancelled`, closes every session, removes their containers and every pooled
   * container (and any being started), waits for removals still going on, and refuses new runs.
   */
  close(): Promise<void>;
}

/**
 * A sandbox: runs Python in hardened containers of `options.runtime`, one per run or one per session.
 * @throws {SandboxError} `INVALID_OPTIONS` for an option it cannot use (no runtime, a bad image or limit, a
 * negative timeout, …).
 */
export function createSandbox(options: SandboxOptions): Sandbox {
  const resolved = resolveSandboxOptions(options);
  const { runtime, limits, logger, labels } = resolved;
  const closing = new AbortController();
  // Each run in progress listens to it.
  setMaxListeners(0, closing.signal);
  const active = new Set<Promise<unknown>>();
  // Containers of finished runs being removed after their result was returned.
  const removals = new Set<Promise<void>>();

  let report: LimitsReport | undefined;
  /** Keeps the latest report, and says once what holds (a warning when something is not held by cgroups). */
  const noteLimits = (ready: ReadyContainer): void => {
    const seen = ready.hello.limits;
    if (!seen) return;
    const first = report === undefined;
    report = seen;
    if (!first) return;
    const lines = describeLimits(seen);
    const weak = lines.filter((line) => line.enforcedBy !== 'cgroup' && line.name !== 'fileSize');
    const summary = Object.fromEntries(lines.map((line) => [line.label, `${line.requested}: ${line.text}`]));
    if (weak.length === 0) logger.info('container limits hold by cgroups', summary);
    else {
      logger.warn(
        `container limits: ${weak.map((line) => `${line.label} ${line.text.replace(/:.*/, '')}`).join(', ')}`,
        { cgroup: seen.cgroup, ...summary },
      );
    }
  };

  const channels = new ChannelChoice({
    option: resolved.directChannel,
    passesDescriptors: runtime.passesDescriptors,
    logger,
  });
  const startContainer = (runId: string, signal: AbortSignal, direct: boolean): Promise<ReadyContainer> =>
    startRuntimeContainer({
      runtime,
      image: resolved.image,
      limits,
      name: containerName(runId),
      // The owner labels let `reapOrphans` remove what a crashed process of ours left behind.
      labels: { ...labels, ...ownerLabels(), 'codexec.run': runId },
      maxLineBytes: resolved.maxFrameBytes,
      startTimeoutMs: resolved.startTimeoutMs,
      ...(options.python ? { python: options.python } : {}),
      directChannel: direct,
      signal,
      logger,
    });
  const start = async (runId: string, signal: AbortSignal): Promise<ReadyContainer> => {
    // Over the direct channel while it works; a start it may have failed is made again over stdio.
    const ready = await channels.start((direct) => startContainer(runId, signal, direct), signal);
    noteLimits(ready);
    return ready;
  };

  const pool =
    resolved.pool.size > 0
      ? new WarmPool({
          ...resolved.pool,
          nextContainer: () => {
            const id = randomUUID();
            return { id, name: containerName(id) };
          },
          start,
          logger,
        })
      : undefined;

  const runSettings = (runOptions: RunOptions) => runTimeouts(resolved, runOptions);

  /** A ready container from the pool or a cold start; a failed or cancelled start comes back as the run's result. */
  async function container(signal: AbortSignal, failure: FailureResult): Promise<ReadyContainer | RunResult> {
    let name = 'codexec-(not started)';
    try {
      let ready = await pool?.acquire(signal);
      if (signal.aborted) {
        if (ready) void ready.stop().finally(() => pool?.refill());
        return failure('cancelled', 'Cancelled', 'The run was cancelled before its container was ready');
      }
      if (!ready) {
        const runId = randomUUID();
        name = containerName(runId);
        ready = await start(runId, signal);
      }
      const refusal = limitsRefusal(ready.hello.limits, options.requireLimits);
      if (refusal) {
        void ready.stop().finally(() => pool?.refill());
        logger.warn('refused to run: the limits do not hold', { name: ready.name });
        return failure('error', 'SandboxError', refusal);
      }
      return ready;
    } catch (error) {
      if (signal.aborted) {
        return failure('cancelled', 'Cancelled', 'The run was cancelled before its container was ready');
      }
      if (error instanceof SandboxError) {
        if (error.code === 'INVALID_OPTIONS' || error.code === 'RUNTIME_SOURCE_MISSING') throw error;
        const type = error.code === 'PROTOCOL_ERROR' ? 'ProtocolError' : 'SandboxError';
        logger.warn('container did not start', { name, code: error.code, error: error.message });
        return failure('error', type, error.message);
      }
      logger.error('unexpected failure starting a container', { name, error: String(error) });
      return failure('error', 'SandboxError', `The container could not be started: ${String(error)}`);
    }
  }

  const sessions = new SessionRegistry({
    limits: resolved.sessions,
    logger,
    closing: closing.signal,
    container,
    runSettings,
    execute: {
      maxOutputBytes: resolved.maxOutputBytes,
      memory: limits.memory,
      attachments: resolved.attachments,
    },
    released: () => pool?.refill(),
  });

  async function run(runOptions: RunOptions): Promise<RunResult> {
    const startedAt = performance.now();
    if (closing.signal.aborted) {
      throw new SandboxError('CLOSED', 'This sandbox was closed: create a new one with createSandbox()');
    }
    if (typeof runOptions?.code !== 'string') {
      throw new SandboxError('INVALID_OPTIONS', 'run() needs `code`, a string of Python source');
    }
    const { timeoutMs, callTimeoutMs } = runSettings(runOptions);
    const servers = runOptions.servers ?? [];
    const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, closing.signal]) : closing.signal;

    let name = 'codexec-(not started)';
    const failure: FailureResult = (status, type, message) => failedRun(startedAt, status, type, message);

    let ready: ReadyContainer | undefined;
    // Set when the runtime finished cleanly: its container is then removed after the result is returned.
    let removeLater = false;
    const work = (async (): Promise<RunResult> => {
      try {
        const got = await container(signal, failure);
        if (!('channel' in got)) return got;
        ready = got;
        name = ready.name;
        const outcome = await executeOn(ready, {
          executeId: 'run',
          code: runOptions.code,
          servers,
          discovered: runOptions.discovered ?? servers.map((server) => server.name),
          toolHost: runOptions.toolHost,
          memoryStore: runOptions.memoryStore,
          skillStore: runOptions.skillStore,
          attachments: resolved.attachments,
          timeoutMs,
          callTimeoutMs,
          maxOutputBytes: resolved.maxOutputBytes,
          memory: limits.memory,
          signal,
          onOutput: runOptions.onOutput,
          startedAt,
          logger,
        });
        removeLater = outcome.finished;
        return outcome.result;
      } finally {
        if (ready && removeLater) {
          // The runtime is idle after `done`: the result need not wait for the engine to remove the container,
          // nor for the pool to start the next one (both fork an engine client, which blocks the event loop).
          const done = ready;
          const removal = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
            pool?.refill();
            return done.stop();
          });
          removals.add(removal);
          void removal.finally(() => removals.delete(removal));
        } else {
          await ready?.stop();
          pool?.refill();
        }
      }
    })();
    active.add(work);
    try {
      const result = await work;
      logger.debug('run finished', { name, status: result.status, durationMs: result.durationMs });
      return result;
    } finally {
      active.delete(work);
    }
  }

  async function close(): Promise<void> {
    closing.abort(new SandboxError('CLOSED', 'The sandbox was closed'));
    await Promise.allSettled([...active, sessions.closeAll(), pool?.close()]);
    while (removals.size) await Promise.allSettled([...removals]);
  }

  const poolStatus = (): PoolStatus =>
    pool?.status() ?? {
      size: 0,
      idle: 0,
      starting: 0,
      waiting: 0,
      containers: [],
      served: 0,
      cold: 0,
      discarded: 0,
      retired: 0,
      failedStarts: 0,
      backoffMs: 0,
    };

  let probing: Promise<LimitsReport | undefined> | undefined;
  const probeLimits = async (): Promise<LimitsReport | undefined> => {
    if (report) return report;
    probing ??= (async () => {
      const ready = await start(`probe-${randomUUID()}`, closing.signal);
      await ready.stop();
      return ready.hello.limits;
    })().finally(() => {
      probing = undefined;
    });
    return probing;
  };

  return {
    instanceId: resolved.instanceId,
    labels,
    run,
    limits: () => report,
    probeLimits,
    openSession: (sessionOptions) => sessions.open(sessionOptions),
    sessionStatus: () => ({ open: sessions.size, live: sessions.live }),
    poolStatus,
    close,
  };
}
