import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { runtimeNotFound } from '../engine-errors.js';
import { abortedError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import {
  machineFailure,
  type PodmanMachinePlan,
  parsePodmanMachineList,
  planPodmanMachine,
  startSaysAlreadyRunning,
} from '../podman-machine.js';
import { loadExeca } from './load-execa.js';

export interface EnsurePodmanMachineOptions {
  /**
   * The podman binary: a name on PATH or a path.
   * @default 'podman'
   */
  command?: string;
  /**
   * Variables added to podman's environment.
   * @default {}
   */
  env?: Record<string, string | undefined>;
  /**
   * Where podman's progress and the plan are logged.
   * @default silentLogger
   */
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * How long `podman machine init` (which downloads a VM image) may take, in milliseconds.
   * @default 900_000 (15 min)
   */
  initTimeoutMs?: number;
  /**
   * How long `podman machine start`, or waiting for a machine that is starting, may take, in milliseconds.
   * @default 300_000 (5 min)
   */
  startTimeoutMs?: number;
}

/**
 * Makes sure a podman machine runs (macOS, Windows): starts the default machine, or creates it first when there is
 * none. Returns what it did.
 *
 * @throws {ContainerRuntimeError} (rejects) `MACHINE_START_FAILED` with advice, `RUNTIME_NOT_FOUND` without
 * podman, `COMMAND_FAILED` when `podman machine list` prints something that is not JSON, `ABORTED`.
 */
export async function ensurePodmanMachine(
  options: EnsurePodmanMachineOptions = {},
): Promise<PodmanMachinePlan> {
  const command = options.command ?? 'podman';
  const logger = options.logger ?? silentLogger;
  const initTimeoutMs = options.initTimeoutMs ?? 15 * 60_000;
  const startTimeoutMs = options.startTimeoutMs ?? 5 * 60_000;
  const { signal } = options;

  const podman = async (args: string[], timeoutMs: number, stream: boolean) => {
    if (signal?.aborted) throw abortedError(signal.reason);
    logger.debug(`podman machine: ${command} ${args.join(' ')}`);
    const { execa } = await loadExeca();
    const subprocess = execa(command, args, {
      reject: false,
      stdin: 'ignore',
      env: options.env ?? {},
      timeout: timeoutMs,
      forceKillAfterDelay: 5000,
      ...(signal ? { cancelSignal: signal } : {}),
    });
    if (stream) {
      // Starting and creating a machine take a while; pass podman's progress on as it comes.
      for (const output of [subprocess.stdout, subprocess.stderr]) {
        createInterface({ input: output }).on('line', (line) => {
          if (line.trim()) logger.info(`podman machine: ${line.trim()}`);
        });
      }
    }
    const result = await subprocess;
    if (result.isCanceled) throw abortedError(signal?.reason);
    if (result.code === 'ENOENT' || result.code === 'EACCES') throw runtimeNotFound([command]);
    return result;
  };

  const list = await podman(['machine', 'list', '--format', 'json'], 30_000, false);
  if (result(list) !== 0) {
    throw machineFailure({
      step: 'list',
      machine: '',
      stderr: list.stderr,
      timedOutAfterMs: timedOut(list, 30_000),
    });
  }
  const plan = planPodmanMachine(parsePodmanMachineList(list.stdout));
  logger.info(`podman machine: ${describe(plan)}`);

  if (plan.action === 'init-and-start') {
    const init = await podman(['machine', 'init', plan.machine], initTimeoutMs, true);
    if (result(init) !== 0) {
      throw machineFailure({
        step: 'init',
        machine: plan.machine,
        stderr: init.stderr,
        timedOutAfterMs: timedOut(init, initTimeoutMs),
      });
    }
  }
  if (plan.action === 'start' || plan.action === 'init-and-start') {
    const start = await podman(['machine', 'start', plan.machine], startTimeoutMs, true);
    if (result(start) !== 0 && !startSaysAlreadyRunning(start.stderr, plan.machine)) {
      throw machineFailure({
        step: 'start',
        machine: plan.machine,
        stderr: start.stderr,
        timedOutAfterMs: timedOut(start, startTimeoutMs),
      });
    }
  }
  if (plan.action === 'wait') {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      await delay(2000, undefined, signal ? { signal } : {}).catch(() => {
        throw abortedError(signal?.reason);
      });
      const again = await podman(['machine', 'list', '--format', 'json'], 30_000, false);
      const now = result(again) === 0 ? planPodmanMachine(parsePodmanMachineList(again.stdout)) : plan;
      if (now.action === 'none') break;
      if (now.action !== 'wait') {
        throw machineFailure({
          step: 'wait',
          machine: plan.machine,
          stderr: again.stderr || 'it stopped while starting',
        });
      }
      if (Date.now() > deadline) {
        throw machineFailure({
          step: 'wait',
          machine: plan.machine,
          stderr: `machine ${plan.machine} still starting after ${Math.round(startTimeoutMs / 1000)} s`,
        });
      }
    }
  }
  return plan;
}

function result(r: { exitCode?: number | undefined }): number {
  return r.exitCode ?? -1;
}

function timedOut(r: { timedOut: boolean }, ms: number): number | undefined {
  return r.timedOut ? ms : undefined;
}

function describe(plan: PodmanMachinePlan): string {
  switch (plan.action) {
    case 'none':
      return `${plan.machine} is running`;
    case 'wait':
      return `${plan.machine} is starting; waiting for it`;
    case 'start':
      return `starting ${plan.machine}`;
    case 'init-and-start':
      return `no machine yet; creating and starting ${plan.machine} (this downloads a VM image once)`;
  }
}
