import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  type ContainerLimits,
  type ContainerRuntime,
  containerLabels,
  containerName,
  DEFAULT_LIMITS,
  isContainerRuntimeError,
  ownerLabels,
  validateImage,
  validateLimits,
} from '@codexec/container-runtime';
import { DEFAULT_MAX_LINE_BYTES, type LimitsReport, type ServerMeta } from '@codexec/frame-protocol';
import { DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_MAX_RUN_ATTACHMENT_BYTES } from './attachments.js';
import { SandboxError } from './errors.js';
import { executeOn, type OutputChunk } from './execute.js';
import { describeLimits, type LimitsRequirement, limitsRefusal } from './limits.js';
import { type Logger, silentLogger } from './logger.js';
import type { MemoryStore } from './memory-store.js';
import { type PoolOptions, resolvePoolOptions } from './pool-settings.js';
import { failedRun, type RunResult } from './run-result.js';
import { type ReadyContainer, startRuntimeContainer } from './runtime-container.js';
import {
  DEFAULT_INTERRUPT_GRACE_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  type FailureResult,
  type Session,
  type SessionOptions,
  SessionRegistry,
} from './session.js';
import type { SkillStore } from './skill-store.js';
import type { ToolHost } from './tool-host.js';
import { type PoolStatus, WarmPool } from './warm-pool.js';

export interface SandboxOptions {
  /** The container engine (`createPodmanRuntime()`, `createDockerRuntime()` from @codexec/container-runtime). */
  runtime: ContainerRuntime;
  /** An image with Python 3.10+ as `python3`, already on the machine (containers start with `--pull never`). */
  image: string;
  /** Overrides of the hardened defaults (`DEFAULT_LIMITS`: 512m memory, 128 pids, uid 65534, ...). */
  limits?: Partial<ContainerLimits>;
  logger?: Logger;
  /** Labels every container of this sandbox (`codexec.instance=<id>`) so leftovers can be reaped. Random if unset. */
  instanceId?: string;
  /** Bytes of stdout and of stderr kept per run (each), head and tail (default 4 MiB). */
  maxOutputBytes?: number;
  /** Longest frame line accepted either way (default 64 MiB); bounds one tool call's arguments or result. */
  maxFrameBytes?: number;
  /** How long a container may take to start and say hello (default 60 s). Not part of a run's timeout. */
  startTimeoutMs?: number;
  /** Timeout of a run that gives none (default 30 s). */
  defaultTimeoutMs?: number;
  /** Timeout of one tool call, unless the run gives one (default 60 s). */
  callTimeoutMs?: number;
  /** The interpreter in the image (default `python3`). */
  python?: string;
  /**
   * Frames travel over a socket handed straight into the container instead of the engine's stdio relay: a tool
   * call's round trip drops from about 0.48 to 0.22 ms. Only where the runtime `passesDescriptors` (local podman on
   * Linux); elsewhere stdio is used. Off by default: a warm container whose engine client dies keeps answering on
   * the socket, so the pool's health check can take a few milliseconds to notice it.
   */
  directChannel?: boolean;
  /**
   * Containers started in advance, so a run skips container start-up: `{ size, maxIdleMs, maxStarts }`. Off
   * unless `size` > 0 (`DEFAULT_POOL_SIZE`, 2, suits a host that runs code again and again). Each container
   * still serves exactly one run.
   */
  pool?: PoolOptions;
  /**
   * Sessions (`openSession`): at most `max` hold a container at once (default 8; past it the least recently used
   * idle one gives its container up), an idle one gives its container up after `idleTimeoutMs` (default 5 min),
   * and an interrupted run may take `interruptGraceMs` (default 2 s) to stop before its container is removed.
   */
  sessions?: { max?: number; idleTimeoutMs?: number; interruptGraceMs?: number };
  /** Files the code may hand back per run (`runtime.attach`): 5 MiB each and 20 MiB in all by default. */
  attachments?: { maxFileBytes?: number; maxRunBytes?: number };
  /**
   * Refuse to run code in a container whose limits do not hold: `true`, each limit must hold by cgroups or by the
   * runtime's rlimit fallback (only a CPU quota has none); `'cgroup'`, each must hold by cgroups. Default false: the
   * run goes ahead and `limits()` (and the log, once) says what holds. See `limits()`.
   */
  requireLimits?: LimitsRequirement;
}

export interface RunOptions {
  /** Python source. Top-level `await` works; the last expression's value comes back like in a REPL. */
  code: string;
  /** Tool metadata of the servers the code may call: they become `mcp_<alias>` proxies. */
  servers?: readonly ServerMeta[];
  /** Names of every server the host knows (for `runtime.discovered_servers()`); defaults to `servers`. */
  discovered?: readonly string[];
  /** Serves the code's tool calls and discovery questions. Without one, calls fail with `MCPError`. */
  toolHost?: ToolHost;
  /**
   * Where `save_memory`, `load_memory` and their kin keep values, outside the container (`createFileMemoryStore`,
   * or your own). Without one those functions raise `RuntimeError` in the code.
   */
  memoryStore?: MemoryStore;
  /**
   * Saved tools (`save_tool`): those in the store are loaded into the run as plain names and as `skills.<name>`,
   * documented under the server `skills`, and `save_tool`, `list_saved_tools` and `delete_saved_tool` write to it
   * (`createFileSkillStore`, or your own). Without one, those functions raise `RuntimeError`.
   */
  skillStore?: SkillStore;
  /** Time the code may run, container start excluded (default `defaultTimeoutMs`). */
  timeoutMs?: number;
  /** Timeout of each tool call of this run (default `callTimeoutMs`). */
  callTimeoutMs?: number;
  /** Aborting it ends the run as `cancelled` and removes the container. */
  signal?: AbortSignal;
  /** Every chunk of output as it arrives (unbounded: the result's stdout/stderr are the bounded copies). */
  onOutput?: (chunk: OutputChunk) => void;
}

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

const MIB = 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

function positive(name: string, value: number | undefined, fallback: number): number {
  // Durations are capped at what a timer can hold (about 24.8 days); beyond it setTimeout fires at once.
  if (typeof value === 'number' && value > MAX_TIMER_MS && !name.endsWith('Bytes')) value = MAX_TIMER_MS;
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `${name} must be a positive number of ${name.endsWith('Bytes') ? 'bytes' : 'milliseconds'}, got ${String(value)}`,
    );
  }
  return Math.floor(value);
}

function invalid(error: unknown): never {
  if (isContainerRuntimeError(error))
    throw new SandboxError('INVALID_OPTIONS', error.message, { cause: error });
  throw error;
}

export function createSandbox(options: SandboxOptions): Sandbox {
  if (!options || typeof options.runtime?.spawn !== 'function') {
    throw new SandboxError(
      'INVALID_OPTIONS',
      'createSandbox needs a container runtime: pass createPodmanRuntime() or createDockerRuntime() as `runtime`',
    );
  }
  const { runtime } = options;
  let image: string;
  let limits: ContainerLimits;
  try {
    image = validateImage(options.image ?? '', 'image');
    limits = validateLimits({ ...DEFAULT_LIMITS, ...options.limits });
  } catch (error) {
    invalid(error);
  }
  const logger = options.logger ?? silentLogger;
  const instanceId = options.instanceId ?? `sandbox-${randomUUID().slice(0, 8)}`;
  try {
    containerName(instanceId);
  } catch (error) {
    invalid(error);
  }
  const labels = containerLabels(instanceId);
  const maxOutputBytes = positive('maxOutputBytes', options.maxOutputBytes, 4 * MIB);
  const maxFrameBytes = positive('maxFrameBytes', options.maxFrameBytes, DEFAULT_MAX_LINE_BYTES);
  const startTimeoutMs = positive('startTimeoutMs', options.startTimeoutMs, 60_000);
  const defaultTimeoutMs = positive('defaultTimeoutMs', options.defaultTimeoutMs, 30_000);
  const defaultCallTimeoutMs = positive('callTimeoutMs', options.callTimeoutMs, 60_000);
  const poolOptions = resolvePoolOptions(options.pool);
  const attachmentLimits = {
    maxFileBytes: positive(
      'attachments.maxFileBytes',
      options.attachments?.maxFileBytes,
      DEFAULT_MAX_ATTACHMENT_BYTES,
    ),
    maxRunBytes: positive(
      'attachments.maxRunBytes',
      options.attachments?.maxRunBytes,
      DEFAULT_MAX_RUN_ATTACHMENT_BYTES,
    ),
  };
  const sessionLimits = {
    max: positive('sessions.max', options.sessions?.max, DEFAULT_MAX_SESSIONS),
    idleTimeoutMs: positive(
      'sessions.idleTimeoutMs',
      options.sessions?.idleTimeoutMs,
      DEFAULT_SESSION_IDLE_TIMEOUT_MS,
    ),
    interruptGraceMs: positive(
      'sessions.interruptGraceMs',
      options.sessions?.interruptGraceMs,
      DEFAULT_INTERRUPT_GRACE_MS,
    ),
  };

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

  const startContainer = (runId: string, signal: AbortSignal): Promise<ReadyContainer> =>
    startRuntimeContainer({
      runtime,
      image,
      limits,
      name: containerName(runId),
      // The owner labels let `reapOrphans` remove what a crashed process of ours left behind.
      labels: { ...labels, ...ownerLabels(), 'codexec.run': runId },
      maxLineBytes: maxFrameBytes,
      startTimeoutMs,
      ...(options.python ? { python: options.python } : {}),
      directChannel: options.directChannel === true,
      signal,
      logger,
    });
  const start = async (runId: string, signal: AbortSignal): Promise<ReadyContainer> => {
    const ready = await startContainer(runId, signal);
    noteLimits(ready);
    return ready;
  };

  const pool =
    poolOptions.size > 0
      ? new WarmPool({
          ...poolOptions,
          nextContainer: () => {
            const id = randomUUID();
            return { id, name: containerName(id) };
          },
          start,
          logger,
        })
      : undefined;

  const runSettings = (runOptions: RunOptions) => ({
    timeoutMs: positive('timeoutMs', runOptions.timeoutMs, defaultTimeoutMs),
    callTimeoutMs: positive('callTimeoutMs', runOptions.callTimeoutMs, defaultCallTimeoutMs),
  });

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
    limits: sessionLimits,
    logger,
    closing: closing.signal,
    container,
    runSettings,
    execute: { maxOutputBytes, memory: limits.memory, attachments: attachmentLimits },
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
          attachments: attachmentLimits,
          timeoutMs,
          callTimeoutMs,
          maxOutputBytes,
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
    instanceId,
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
