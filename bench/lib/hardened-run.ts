// The baseline of every run-time row: what a careful user would otherwise do for each piece of code, a container
// with the same hardened arguments the bridge gives its own (container-runtime's `buildRunArgs`: `--rm`,
// `--network none`, `--log-driver none`, the limits…), the same image and the same code, run directly through the
// engine's CLI.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { buildRunArgs, DEFAULT_LIMITS } from '@codexec/container-runtime';
import { type Engine, IMAGE } from './engines.js';

/** The label of every container the bench starts itself (baselines, relay probes): `removeWithLabel` finds them. */
export const BENCH_LABEL = 'codexec.bench';

/** The code both sides run, and what it prints. */
export const PRINT_ONE = { code: 'print(1)', stdout: '1\n' } as const;

export interface HardenedRunOptions {
  /** Command in the container; `python3 -c print(1)` by default. */
  command?: string[];
  /** `--preserve-fds 1` (podman): the client's fd 3 becomes the container's fd 3. */
  channel?: boolean;
  /** Value of the bench's label, saying what the container is for. */
  purpose?: string;
}

/** `run …` arguments of one hardened container, built by the same function as the bridge's. */
export function hardenedRunArgs(engine: Engine, options: HardenedRunOptions = {}): string[] {
  return buildRunArgs(
    {
      image: IMAGE,
      name: `codexec-bench-${randomUUID().slice(0, 8)}`,
      labels: { [BENCH_LABEL]: options.purpose ?? 'baseline' },
      command: options.command ?? ['python3', '-c', PRINT_ONE.code],
      limits: DEFAULT_LIMITS,
      ...(options.channel ? { channel: true } : {}),
    },
    { engine },
  );
}

/** The two moments a run is timed at, in ms from its start. */
export interface RunTiming {
  /** The code's output (`1`) has been read. */
  resultMs: number;
  /** The container is gone. Undefined where it is not measured. */
  removedMs?: number | undefined;
}

/**
 * One hardened `run --rm` of `print(1)` through the CLI, timed until its output is read from the CLI's stdout and
 * until the CLI exits, which `--rm` makes wait for the removal (podman removes in the client; the docker client waits
 * for the daemon's "removed"). Throws when the run fails or prints anything else.
 */
export function hardenedRun(engine: Engine, timeoutMs = 120_000): Promise<RunTiming> {
  const args = hardenedRunArgs(engine);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // stdin stays open until the end, as the bridge keeps it (`--interactive`).
    const child = spawn(engine, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let resultMs: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (resultMs === undefined && stdout.includes(PRINT_ONE.stdout)) resultMs = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`hardened ${engine} run could not start: ${error.message}`));
    });
    let removedMs = Number.NaN;
    // The exit is the moment of removal; the output may still be in the pipe then, so the checks wait for `close`.
    child.on('exit', () => {
      removedMs = performance.now() - started;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || resultMs === undefined || stdout !== PRINT_ONE.stdout) {
        reject(
          new Error(
            `hardened ${engine} run failed (${signal ?? `exit ${code}`}, stdout ${JSON.stringify(stdout)}): ${stderr.trim().slice(-500)}`,
          ),
        );
        return;
      }
      resolve({ resultMs, removedMs });
    });
  });
}
