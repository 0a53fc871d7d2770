import { setTimeout as delay } from 'node:timers/promises';
import { linkedSignal } from '@codexec/internal';
import type { CliRuntimeOptions } from './adapters/cli.js';
import { createDockerRuntime } from './adapters/docker.js';
import { createPodmanRuntime } from './adapters/podman.js';
import { type EnsurePodmanMachineOptions, ensurePodmanMachine } from './adapters/podman-machine.js';
import { describeEndpoint } from './endpoint.js';
import { runtimeNotFound } from './engine-errors.js';
import { abortedError, ContainerRuntimeError, invalidOption, isContainerRuntimeError } from './errors.js';
import { createKubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes/kubernetes-runtime.js';
import { type Logger, silentLogger } from './logger.js';
import type { ContainerRuntime, EngineInfo, EngineName } from './runtime.js';

/** One engine to try: which adapter, and optionally which binary. */
export interface RuntimeCandidate {
  engine: EngineName;
  /**
   * Binary name or path.
   * @default the engine's name
   */
  command?: string;
  /** Adapter options for this candidate only (e.g. podman's `--url`), on top of `runtimeOptions`. */
  options?: Omit<CliRuntimeOptions, 'command'>;
  /**
   * For `engine: 'kubernetes'`: the Kubernetes adapter's options (kubeconfig, context, namespace, …). Its logger and
   * timeouts default to those of `runtimeOptions`.
   */
  kubernetes?: KubernetesRuntimeOptions;
}

export interface DetectRuntimeOptions {
  /**
   * `podman`, `docker`, a path to one of the two binaries, `kubernetes` (only when asked for by name), or `auto`
   * (the candidates in order).
   * @default 'auto'
   */
  explicit?: string | undefined;
  /**
   * The engines `auto` tries, in order of preference. `auto` never tries `kubernetes`, which must be chosen by name;
   * a `kubernetes` candidate here gives its options to that choice.
   * @default DEFAULT_CANDIDATES (podman, then docker)
   */
  candidates?: RuntimeCandidate[];
  signal?: AbortSignal;
  /**
   * How long each engine may take to answer `info`, in milliseconds.
   * @default the adapter's `infoTimeoutMs` (10_000)
   */
  timeoutMs?: number;
  /**
   * The platform; on macOS and Windows a stopped podman machine is started.
   * @default process.platform
   */
  platform?: NodeJS.Platform;
  /**
   * Start (or create) the podman machine when podman does not answer on macOS/Windows.
   * @default true
   */
  startPodmanMachine?: boolean;
  /** Timeouts of `podman machine init|start` (defaults: see `EnsurePodmanMachineOptions`). */
  machine?: Pick<EnsurePodmanMachineOptions, 'initTimeoutMs' | 'startTimeoutMs'>;
  /** Options for the adapter that is created (logger, CLI environment, timeouts). */
  runtimeOptions?: Omit<CliRuntimeOptions, 'command'>;
  /**
   * Where detection logs what it tried and chose; also the adapter's logger unless `runtimeOptions` has one.
   * @default silentLogger
   */
  logger?: Logger;
}

export interface DetectedRuntime {
  runtime: ContainerRuntime;
  info: EngineInfo;
  /** How it was chosen: the `explicit` option, or the first answering candidate. */
  source: 'option' | 'auto';
}

export const DEFAULT_CANDIDATES: readonly RuntimeCandidate[] = Object.freeze([
  { engine: 'podman' },
  { engine: 'docker' },
]);

/**
 * Reads a runtime choice: `auto`, `podman`, `docker`, `kubernetes` (any case), or a path whose file name starts with
 * podman or docker (`/opt/podman/bin/podman`, `podman-remote`, `docker.exe`). Pure.
 *
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` naming `setting`, for any other value.
 */
export function parseRuntimeChoice(value: string, setting = 'runtime'): 'auto' | RuntimeCandidate {
  const raw = value.trim();
  const lower = raw.toLowerCase();
  if (lower === 'auto' || lower === '') return 'auto';
  if (lower === 'podman' || lower === 'docker' || lower === 'kubernetes') return { engine: lower };
  // Either separator: the value may name a Windows path while this runs elsewhere (tests, remote configs).
  const file = (raw.split(/[\\/]/).pop() ?? '').toLowerCase();
  if (raw.includes('/') || raw.includes('\\') || /^(podman|docker)[\w.-]+$/.test(file)) {
    if (file.startsWith('podman')) return { engine: 'podman', command: raw };
    if (file.startsWith('docker')) return { engine: 'docker', command: raw };
  }
  throw invalidOption(
    setting,
    value,
    'podman, docker, kubernetes, auto, or the path of a podman or docker binary',
  );
}

/** The adapter for a candidate. */
export function createRuntime(
  candidate: RuntimeCandidate,
  options: Omit<CliRuntimeOptions, 'command'> = {},
): ContainerRuntime {
  if (candidate.engine === 'kubernetes') {
    return createKubernetesRuntime({
      logger: options.logger,
      commandTimeoutMs: options.commandTimeoutMs,
      infoTimeoutMs: options.infoTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
      ...candidate.kubernetes,
    });
  }
  const merged = { ...options, ...candidate.options };
  if (options.env || candidate.options?.env) merged.env = { ...options.env, ...candidate.options?.env };
  const withCommand = candidate.command ? { ...merged, command: candidate.command } : merged;
  return candidate.engine === 'podman' ? createPodmanRuntime(withCommand) : createDockerRuntime(withCommand);
}

type Probe = { candidate: RuntimeCandidate; runtime: ContainerRuntime } & (
  | { info: EngineInfo; error?: undefined }
  | { info?: undefined; error: ContainerRuntimeError }
);

/**
 * Finds the container engine to use: the `explicit` choice, else the first of the candidates (podman, docker) that
 * answers. An engine counts only when it answers `info`, not because its binary is on PATH. With an explicit
 * choice there is no fallback: its failure is the error. On macOS/Windows, when nothing answers and podman is
 * installed, its machine is started (created first if there is none), unless `startPodmanMachine` is false; an
 * answering docker is preferred to booting a VM.
 *
 * @throws {ContainerRuntimeError} (rejects) `RUNTIME_NOT_FOUND` (nothing installed), `ENGINE_NOT_RESPONDING`
 * (installed, not answering; the message holds each engine's stderr and what to do), `MACHINE_START_FAILED`,
 * `INVALID_OPTIONS` (an `explicit` choice it cannot read), `ABORTED`.
 */
export async function detectRuntime(options: DetectRuntimeOptions = {}): Promise<DetectedRuntime> {
  const logger = options.logger ?? silentLogger;
  const platform = options.platform ?? process.platform;
  const { signal } = options;
  if (signal?.aborted) throw abortedError(signal.reason);

  const fromOption = options.explicit !== undefined && options.explicit.trim() !== '';
  const choice = fromOption ? parseRuntimeChoice(options.explicit!, 'runtime') : 'auto';
  const candidateList = options.candidates ?? DEFAULT_CANDIDATES;
  // An explicit choice keeps the options its engine's candidate has (an endpoint), under its own binary.
  const candidates =
    choice === 'auto'
      ? candidateList.filter((c) => c.engine !== 'kubernetes')
      : [{ ...candidateList.find((c) => c.engine === choice.engine), ...choice }];
  const source: DetectedRuntime['source'] = choice === 'auto' ? 'auto' : 'option';
  const runtimeOptions = { ...options.runtimeOptions, platform };
  if (options.logger && !runtimeOptions.logger) runtimeOptions.logger = options.logger;

  // Ask every candidate at once (one that hangs must not delay the next); prefer them in order, and stop asking
  // the others once one is chosen.
  const probing = linkedSignal([signal]);
  const probeSignal = probing.signal;
  const probes: Promise<Probe>[] = candidates.map(async (candidate) => {
    const runtime = createRuntime(candidate, runtimeOptions);
    try {
      return {
        candidate,
        runtime,
        info: await runtime.info({ signal: probeSignal, timeoutMs: options.timeoutMs }),
      };
    } catch (error) {
      return { candidate, runtime, error: asRuntimeError(error, candidate) };
    }
  });
  const failures: Probe[] = [];
  for (const pending of probes) {
    const probe = await pending;
    if (probe.info) {
      probing.abort();
      probing.unlink();
      logger.info(
        `container runtime: ${probe.runtime.engine} ${probe.info.version} (${probe.runtime.command})`,
        {
          rootless: probe.info.rootless,
          source,
          ...(probe.info.remote || probe.runtime.endpoint.remote
            ? { endpoint: probe.info.address ?? describeEndpoint(probe.runtime.endpoint) }
            : {}),
        },
      );
      return { runtime: probe.runtime, info: probe.info, source };
    }
    if (probe.error.code === 'ABORTED') throw probe.error;
    logger.debug(`container runtime: ${probe.runtime.command} does not answer`, { code: probe.error.code });
    failures.push(probe);
  }
  // Every probe has settled: none needs the caller's signal any more.
  probing.unlink();

  const podman = failures.find(
    (f) => f.candidate.engine === 'podman' && f.error?.code === 'ENGINE_NOT_RESPONDING',
  );
  if (podman && (platform === 'darwin' || platform === 'win32') && options.startPodmanMachine !== false) {
    await ensurePodmanMachine({
      ...options.machine,
      ...(podman.candidate.command ? { command: podman.candidate.command } : {}),
      env: { ...options.runtimeOptions?.env, ...podman.candidate.options?.env },
      logger,
      ...signalOf(signal),
    });
    // The machine's API socket comes up a little after `machine start` returns.
    let last: unknown;
    for (let attempt = 0; attempt < 15; attempt++) {
      try {
        const info = await podman.runtime.info({ ...signalOf(signal), timeoutMs: options.timeoutMs });
        return { runtime: podman.runtime, info, source };
      } catch (error) {
        if (isContainerRuntimeError(error, 'ABORTED')) throw error;
        last = error;
        await delay(2000, undefined, signal ? { signal } : {}).catch(() => {
          throw abortedError(signal?.reason);
        });
      }
    }
    throw asRuntimeError(last, podman.candidate);
  }

  const answeringless = failures.filter((f) => f.error?.code !== 'RUNTIME_NOT_FOUND');
  if (answeringless.length === 0) {
    const tried = candidates.map((c) => c.command ?? c.engine);
    // The Kubernetes adapter's own error names what is missing (its client package) better than a generic one.
    if (choice !== 'auto' && choice.engine === 'kubernetes' && failures[0]) throw failures[0].error;
    if (choice !== 'auto') {
      throw new ContainerRuntimeError(
        'RUNTIME_NOT_FOUND',
        `No container runtime found: the \`runtime\` setting asks for ${choice.engine}, and "${tried[0]}" could not be ` +
          `started (not installed, or not on PATH). Install ${choice.engine}, or set the \`runtime\` to ` +
          `${choice.engine === 'podman' ? 'docker' : 'podman'} or auto.`,
        { engine: choice.engine },
      );
    }
    throw runtimeNotFound(tried);
  }
  if (answeringless.length === 1) throw answeringless[0]!.error;
  const notResponding = answeringless.filter((f) => f.error?.code === 'ENGINE_NOT_RESPONDING');
  if (notResponding.length === answeringless.length) {
    throw new ContainerRuntimeError(
      'ENGINE_NOT_RESPONDING',
      `No container engine answered:\n${notResponding.map((f) => `- ${f.error!.message}`).join('\n')}`,
      { cause: notResponding.map((f) => f.error) },
    );
  }
  throw answeringless[0]!.error;
}

function asRuntimeError(error: unknown, candidate: RuntimeCandidate): ContainerRuntimeError {
  if (error instanceof ContainerRuntimeError) return error;
  return new ContainerRuntimeError(
    'COMMAND_FAILED',
    `Asking ${candidate.command ?? candidate.engine} for its info failed: ${String(error)}`,
    { engine: candidate.engine, cause: error },
  );
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
