import { randomUUID } from 'node:crypto';
import {
  type ContainerLimits,
  type ContainerRuntime,
  containerLabels,
  containerName,
  DEFAULT_LIMITS,
  isContainerRuntimeError,
  validateImage,
  validateLimits,
} from '@codexec/container-runtime';
import { DEFAULT_MAX_LINE_BYTES, type ServerMeta } from '@codexec/frame-protocol';
import {
  type AttachmentLimits,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  DEFAULT_MAX_RUN_ATTACHMENT_BYTES,
} from './attachments.js';
import { type DirectChannelOption, resolveDirectChannel } from './direct-channel.js';
import { SandboxError } from './errors.js';
import type { OutputChunk } from './execute.js';
import type { LimitsRequirement } from './limits.js';
import { type Logger, silentLogger } from './logger.js';
import type { MemoryStore } from './memory-store.js';
import { type PoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from './pool-settings.js';
import {
  DEFAULT_INTERRUPT_GRACE_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  type SessionLimits,
} from './session.js';
import type { SkillStore } from './skill-store.js';
import type { ToolHost } from './tool-host.js';

export interface SandboxOptions {
  /** The container engine (`createPodmanRuntime()`, `createDockerRuntime()` from @codexec/container-runtime). */
  runtime: ContainerRuntime;
  /** An image with Python 3.10+ as `python3`, already on the machine (containers start with `--pull never`). */
  image: string;
  /**
   * Overrides of the hardened limits.
   * @default DEFAULT_LIMITS (512m memory, 128 processes, 1 CPU, uid 65534, …)
   */
  limits?: Partial<ContainerLimits>;
  /** Where the sandbox says what it does. @default silentLogger */
  logger?: Logger;
  /**
   * Labels every container of this sandbox (`codexec.instance=<id>`) so leftovers can be reaped.
   * @default `sandbox-` and 8 random hex digits
   */
  instanceId?: string;
  /** Bytes of stdout and of stderr kept per run (each), head and tail. @default 4 MiB */
  maxOutputBytes?: number;
  /** Longest frame line accepted either way; bounds one tool call's arguments or result. @default 64 MiB */
  maxFrameBytes?: number;
  /** How long a container may take to start and say hello; not part of a run's timeout. @default 60_000 */
  startTimeoutMs?: number;
  /** Timeout of a run that gives none. @default 30_000 */
  defaultTimeoutMs?: number;
  /** Timeout of one tool call, unless the run gives one. @default 60_000 */
  callTimeoutMs?: number;
  /** The interpreter in the image. @default 'python3' */
  python?: string;
  /**
   * Frames travel over a socket handed straight into the container instead of the engine's stdio relay: a tool
   * call's round trip drops from about 0.48 to 0.22 ms. Only where the runtime `passesDescriptors` (local podman on
   * Linux); elsewhere stdio is used. `'auto'` uses it wherever the runtime can, `true` too (and logs once when it
   * cannot), `false` never. A start that fails over the socket (the engine refuses to pass it, the socket cannot
   * be made, the handshake over it fails) is tried again over stdio, and the sandbox then stays on stdio and logs
   * why, once: no run fails for the direct channel. Before a container is reused (a warm one handed out, a session's
   * next run) its engine client must be running at that instant, in either mode.
   * @default 'auto'
   */
  directChannel?: DirectChannelOption;
  /**
   * Containers started in advance, so a run skips container start-up: `{ size, maxIdleMs, maxStarts }`. Off
   * unless `size` > 0 (`RECOMMENDED_POOL_SIZE`, 2, suits a host that runs code again and again). Each container
   * still serves exactly one run.
   * @default { size: 0 } (no pool)
   */
  pool?: PoolOptions;
  /**
   * Sessions (`openSession`): at most `max` hold a container at once (past it the least recently used idle one
   * gives its container up), an idle one gives its container up after `idleTimeoutMs`, and an interrupted run may
   * take `interruptGraceMs` to stop before its container is removed.
   * @default { max: 8, idleTimeoutMs: 300_000, interruptGraceMs: 2_000 }
   */
  sessions?: { max?: number; idleTimeoutMs?: number; interruptGraceMs?: number };
  /**
   * Files the code may hand back per run (`runtime.attach`).
   * @default { maxFileBytes: 5 MiB, maxRunBytes: 20 MiB }
   */
  attachments?: { maxFileBytes?: number; maxRunBytes?: number };
  /**
   * Refuse to run code in a container whose limits do not hold: `true`, each limit must hold by cgroups or by the
   * runtime's rlimit fallback (only a CPU quota has none); `'cgroup'`, each must hold by cgroups. With `false` the
   * run goes ahead and `limits()` (and the log, once) says what holds. See `limits()`.
   * @default false
   */
  requireLimits?: LimitsRequirement;
}

export interface RunOptions {
  /** Python source. Top-level `await` works; the last expression's value comes back like in a REPL. */
  code: string;
  /** Tool metadata of the servers the code may call: they become `mcp_<alias>` proxies. */
  servers?: readonly ServerMeta[];
  /** Names of every server the host knows (for `runtime.discovered_servers()`). @default the names in `servers` */
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
  /** Time the code may run, container start excluded. @default the sandbox's `defaultTimeoutMs` */
  timeoutMs?: number;
  /** Timeout of each tool call of this run. @default the sandbox's `callTimeoutMs` */
  callTimeoutMs?: number;
  /** Aborting it ends the run as `cancelled` and removes the container. */
  signal?: AbortSignal;
  /** Every chunk of output as it arrives (unbounded: the result's stdout/stderr are the bounded copies). */
  onOutput?: (chunk: OutputChunk) => void;
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

/** The options of `createSandbox`, checked, with their defaults filled in. */
export interface ResolvedSandboxOptions {
  runtime: ContainerRuntime;
  image: string;
  limits: ContainerLimits;
  logger: Logger;
  instanceId: string;
  labels: Readonly<Record<string, string>>;
  maxOutputBytes: number;
  maxFrameBytes: number;
  startTimeoutMs: number;
  defaultTimeoutMs: number;
  defaultCallTimeoutMs: number;
  pool: ResolvedPoolOptions;
  attachments: AttachmentLimits;
  sessions: SessionLimits;
  directChannel: DirectChannelOption;
}

/** Checks every option of `createSandbox` and fills in the defaults; throws `SandboxError` `INVALID_OPTIONS`. */
export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
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
  const directChannel = resolveDirectChannel(options.directChannel);
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

  return {
    runtime,
    image,
    limits,
    logger,
    instanceId,
    labels,
    maxOutputBytes,
    maxFrameBytes,
    startTimeoutMs,
    defaultTimeoutMs,
    defaultCallTimeoutMs,
    pool: poolOptions,
    attachments: attachmentLimits,
    sessions: sessionLimits,
    directChannel,
  };
}

/** A run's own timeouts, checked, falling back to the sandbox's. */
export function runTimeouts(
  resolved: ResolvedSandboxOptions,
  options: RunOptions,
): { timeoutMs: number; callTimeoutMs: number } {
  return {
    timeoutMs: positive('timeoutMs', options.timeoutMs, resolved.defaultTimeoutMs),
    callTimeoutMs: positive('callTimeoutMs', options.callTimeoutMs, resolved.defaultCallTimeoutMs),
  };
}
