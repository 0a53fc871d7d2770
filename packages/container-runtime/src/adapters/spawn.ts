import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type Duplex, PassThrough, pipeline } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { onAbort, untilAborted } from '@codexec/internal';
import { classifyStartFailure, runtimeNotFound } from '../engine-errors.js';
import { abortedError, ContainerRuntimeError, invalidOption } from '../errors.js';
import { buildRunArgs } from '../hardened-args.js';
import type { ContainerExit, ContainerSpec, RunningContainer } from '../runtime.js';
import { clientRunning } from './client-liveness.js';
import type { EngineCli } from './engine-command.js';
import { TailRecorder } from './tail-recorder.js';

/** Keep this much of a container client's stderr to explain a failed start. */
const STDERR_TAIL_BYTES = 8192;

export interface SpawnContainerOptions {
  /** Stops the container when it fires. */
  signal?: AbortSignal | undefined;
  /** Whether this client can hand the container a descriptor (`spec.channel`). */
  passesDescriptors: boolean;
  /** Variables to remove from the environment of the `run` client. */
  runClientUnset: readonly string[];
  /** How long `stop()` keeps trying `rm -f` and waiting for the client before it kills the client. */
  stopTimeoutMs: number;
  /** `rm -f` of the container by name, waiting at most `timeoutMs`; succeeds when it is gone already. */
  remove(name: string, timeoutMs: number): Promise<void>;
}

/**
 * Starts `<engine> run` with the hardened arguments and piped stdio, and returns the container with a `stop()`
 * that removes it by name. Throws `INVALID_OPTIONS` synchronously for a spec that cannot be passed safely; every
 * later failure is in `exited`, which never rejects.
 */
export function spawnContainer(
  cli: EngineCli,
  spec: ContainerSpec,
  options: SpawnContainerOptions,
): RunningContainer {
  const { engine, command, logger } = cli;
  if (spec.channel && !options.passesDescriptors) {
    throw invalidOption(
      'spec.channel',
      'true',
      `false: this ${engine} client cannot pass a descriptor into a container (see passesDescriptors)`,
    );
  }
  const args = buildRunArgs(spec, { engine });
  const argv = [...cli.globalArgs, ...args];
  logger.debug(`${engine}: ${command} ${argv.join(' ')}`);
  // node:child_process, not execa: `spawn` is synchronous, and execa is loaded only for the first engine command.
  const child = spawn(command, argv, {
    // fd 3 of the client, a socket pair end, becomes fd 3 of the container (`--preserve-fds 1`).
    stdio: spec.channel ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    env: clientEnv(cli.env, options.runClientUnset),
    cwd: cli.cwd,
  });

  // Piping stdout straight into a PassThrough keeps every byte for a reader that attaches later, with backpressure
  // back to the engine.
  const stdout = new PassThrough({ highWaterMark: 64 * 1024 });
  pipeline(child.stdout, stdout, () => {});
  const stderrTail = new TailRecorder(STDERR_TAIL_BYTES);
  pipeline(child.stderr, stderrTail, () => {});
  // Writing after the container has gone raises EPIPE on stdin; that must never crash the host.
  child.stdin.on('error', (error) => logger.debug(`${engine}: stdin of ${spec.name}: ${error.message}`));

  let stopRequested = false;
  let exitInfo: ContainerExit | undefined;
  const exited = new Promise<ContainerExit>((resolve) => {
    const finish = (exit: ContainerExit): void => {
      if (exitInfo) return;
      exitInfo = exit;
      logger.debug(`${engine}: ${spec.name} client exited`, { code: exit.code, signal: exit.signal });
      resolve(exit);
    };
    child.once('exit', (code, sig) => {
      if (stopRequested || (code !== 125 && code !== 126 && code !== 127)) {
        finish({ code, signal: sig });
        return;
      }
      // The engine's own failure message is on stderr; give the pipe a moment to deliver all of it.
      const delivered = stderrTail.writableFinished
        ? Promise.resolve()
        : Promise.race([once(stderrTail, 'finish').catch(() => {}), delay(1000)]);
      void delivered.then(() => {
        const error = classifyStartFailure({
          engine,
          exitCode: code,
          stderr: stderrTail.text(),
          image: spec.image,
          ociRuntime: spec.limits.ociRuntime,
          endpoint: cli.endpoint,
        });
        finish(error ? { code, signal: sig, error } : { code, signal: sig });
      });
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        finish({ code: null, signal: null, error: runtimeNotFound([command]) });
      } else {
        finish({
          code: null,
          signal: null,
          error: new ContainerRuntimeError('COMMAND_FAILED', `${command} run failed: ${error.message}`, {
            engine,
            cause: error,
          }),
        });
      }
    });
  });

  const clientExitedWithin = async (ms: number): Promise<boolean> => {
    if (exitInfo) return true;
    const timer = delay(Math.max(0, ms), false);
    return Promise.race([exited.then(() => true), timer]);
  };

  const removeQuietly = async (timeoutMs: number): Promise<void> => {
    try {
      await options.remove(spec.name, Math.max(1000, timeoutMs));
    } catch (error) {
      logger.warn(`${engine}: rm -f ${spec.name} failed`, { error: String(error) });
    }
  };

  const { stopTimeoutMs } = options;
  let stopping: Promise<void> | undefined;
  const doStop = async (): Promise<void> => {
    stopRequested = true;
    if (child.pid === undefined && exitInfo) return; // never started
    const deadline = Date.now() + stopTimeoutMs;
    // Removing by name kills the container in the engine. If the client has not created it yet, the first rm
    // finds nothing: keep removing until the client has exited, so a late-created container does not survive.
    while (Date.now() < deadline) {
      await removeQuietly(deadline - Date.now());
      if (await clientExitedWithin(Math.min(1000, deadline - Date.now()))) return;
    }
    logger.warn(`${engine}: ${spec.name} client still running ${stopTimeoutMs} ms after rm -f; killing it`);
    child.kill('SIGKILL');
    await clientExitedWithin(2000);
    // One last try; if the engine is stuck the container is left for `reap`/`reapOrphans` at the next start.
    await removeQuietly(2000);
  };

  const channel = spec.channel ? (child.stdio[3] as Duplex) : undefined;
  channel?.on('error', (error) => logger.debug(`${engine}: channel of ${spec.name}: ${error.message}`));

  const container: RunningContainer = {
    name: spec.name,
    stdin: child.stdin,
    stdout,
    stderr: stderrTail,
    channel,
    exited,
    clientRunning: () => clientRunning(child),
    stop(stopOptions = {}) {
      stopping ??= doStop();
      const stopSignal = stopOptions.signal;
      // `stopping` never rejects, so a rejection here is the caller's signal; the stop itself goes on.
      return untilAborted(stopping, stopSignal).catch(() => {
        throw abortedError(stopSignal?.reason);
      });
    },
  };

  const detach = onAbort(options.signal, () => void container.stop());
  void exited.then(detach);
  return container;
}

/** The host's environment with the CLI's variables added and `unset` removed (as execa's `extendEnv` would). Pure. */
export function clientEnv(
  added: Record<string, string | undefined>,
  unset: readonly string[],
  host: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...host, ...added })) {
    if (value !== undefined) env[name] = value;
  }
  for (const name of unset) delete env[name];
  return env;
}
