import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { type Duplex, PassThrough, pipeline, type Readable, Transform } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import {
  classifyStartFailure,
  engineNotResponding,
  pullFailed,
  runtimeNotFound,
  saysEngineUnreachable,
  saysNoSuchContainer,
} from '../engine-errors.js';
import { abortedError, ContainerRuntimeError, invalidSetting, tail } from '../errors.js';
import { buildRunArgs } from '../hardened-args.js';
import { type Logger, silentLogger } from '../logger.js';
import type {
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  ContainerSummary,
  EngineInfo,
  EngineName,
  PullProgress,
  RunningContainer,
} from '../runtime.js';

/** Options shared by the podman and docker adapters. */
export interface CliRuntimeOptions {
  /** The CLI binary: a name on PATH or a path. Default `podman` / `docker`. */
  command?: string;
  /** Arguments put before every subcommand, e.g. `['--url', 'unix:///run/podman/podman.sock']` or `['--context', 'x']`. */
  globalArgs?: string[];
  /**
   * Variables added to the CLI's own environment (DOCKER_HOST, CONTAINER_HOST, …). The CLI gets the host's
   * environment plus these; containers never see either (the run arguments pass no host variable in).
   */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** How long `info` waits for the engine. Default 10 s. */
  infoTimeoutMs?: number;
  /** How long `imageExists`, `remove`, `list` and `reap` wait for the engine. Default 30 s. */
  commandTimeoutMs?: number;
  /** How long `pullImage` may take. Default 10 min. */
  pullTimeoutMs?: number;
  /** How long `stop()` keeps trying `rm -f` and waiting for the client before it kills the client. Default 15 s. */
  stopTimeoutMs?: number;
  /** Platform the advice in error messages is for. Default `process.platform`. */
  platform?: NodeJS.Platform;
  /**
   * Working directory of the engine's CLI. Default: the system's temporary directory. Never the caller's own:
   * podman's conmon writes a file named `oom` into it when the memory limit kills a container.
   */
  cwd?: string;
}

/** What differs between the engines' CLIs; everything else is shared. */
export interface EngineDialect {
  engine: EngineName;
  infoArgs: string[];
  parseInfo(stdout: string, command: string): EngineInfo;
  /** Arguments that exit 0 when the image is there. */
  imageExistsArgs(image: string): string[];
  /** Whether a failed `imageExistsArgs` run means "not there" rather than an engine failure. */
  isImageAbsent(exitCode: number, stderr: string): boolean;
  listArgs(filters: string[]): string[];
  parseList(stdout: string): ContainerSummary[];
  /** `rm` that kills at once and succeeds for a missing container where the engine allows it. */
  removeArgs(names: string[]): string[];
  /** Variables to remove from the environment of the `run` client (see `PROXY_VARIABLES`). */
  runClientUnset: readonly string[];
  /** Whether a local client of this engine can hand file descriptors to the container (`--preserve-fds`). */
  preservesFds: boolean;
}

export interface DescriptorPassingInput {
  dialect: Pick<EngineDialect, 'preservesFds'>;
  command: string;
  globalArgs: readonly string[];
  /** The environment the CLI runs with. */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
}

const REMOTE_FLAGS = /^(--url|--connection|--remote|--identity|-r|-c)(=|$)/;

/**
 * Whether containers can be given a descriptor: the engine can, on Linux (elsewhere podman is a client of a
 * machine), and nothing makes this client remote (`--url`, `--connection`, `--remote`, CONTAINER_HOST,
 * CONTAINER_CONNECTION, a `podman-remote` binary). Pure.
 */
export function passesDescriptors(input: DescriptorPassingInput): boolean {
  if (!input.dialect.preservesFds || input.platform !== 'linux') return false;
  if (/remote(\.exe)?$/i.test(input.command)) return false;
  if (input.globalArgs.some((arg) => REMOTE_FLAGS.test(arg))) return false;
  return !input.env.CONTAINER_HOST && !input.env.CONTAINER_CONNECTION;
}

interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const DEFAULTS = {
  infoTimeoutMs: 10_000,
  commandTimeoutMs: 30_000,
  pullTimeoutMs: 600_000,
  stopTimeoutMs: 15_000,
};

/** Keep this much of a container client's stderr to explain a failed start. */
const STDERR_TAIL_BYTES = 8192;

export function createCliRuntime(dialect: EngineDialect, options: CliRuntimeOptions = {}): ContainerRuntime {
  const engine = dialect.engine;
  const command = options.command ?? engine;
  const globalArgs = options.globalArgs ?? [];
  const logger = options.logger ?? silentLogger;
  const platform = options.platform ?? process.platform;
  const timeouts = {
    infoTimeoutMs: options.infoTimeoutMs ?? DEFAULTS.infoTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    pullTimeoutMs: options.pullTimeoutMs ?? DEFAULTS.pullTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
  };
  const cliEnv = options.env ?? {};
  const cwd = options.cwd ?? tmpdir();

  /** Runs one short engine command to completion; throws the typed error for "not there", "no answer", abort. */
  async function run(
    args: string[],
    opts: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<CommandResult> {
    if (opts.signal?.aborted) throw abortedError(opts.signal.reason);
    const argv = [...globalArgs, ...args];
    logger.debug(`${engine}: ${command} ${argv.join(' ')}`);
    const result = await execa(command, argv, {
      reject: false,
      stdin: 'ignore',
      env: cliEnv,
      cwd,
      timeout: opts.timeoutMs,
      forceKillAfterDelay: 2000,
      ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    });
    if (result.isCanceled) throw abortedError(opts.signal?.reason);
    if (result.code === 'ENOENT' || result.code === 'EACCES') {
      throw new ContainerRuntimeError(
        'RUNTIME_NOT_FOUND',
        `${runtimeNotFound([command]).message} (${result.code} starting ${command})`,
        { engine, cause: result.cause },
      );
    }
    if (result.timedOut) {
      throw engineNotResponding({
        engine,
        command: `${command} ${args[0] ?? ''}`.trim(),
        stderr: result.stderr,
        timedOutAfterMs: opts.timeoutMs,
        platform,
      });
    }
    if (result.exitCode === undefined) {
      throw new ContainerRuntimeError(
        'COMMAND_FAILED',
        `${command} ${args.join(' ')} failed: ${result.shortMessage}`,
        {
          engine,
          cause: result.cause,
        },
      );
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  function failed(args: string[], result: CommandResult): ContainerRuntimeError {
    if (saysEngineUnreachable(result.stderr)) {
      return engineNotResponding({ engine, command, stderr: result.stderr, platform });
    }
    return new ContainerRuntimeError(
      'COMMAND_FAILED',
      `\`${command} ${args.join(' ')}\` failed with exit code ${result.exitCode}:\n${tail(result.stderr)}\n` +
        `Run it by hand to see the engine's full message.`,
      { engine, stderr: tail(result.stderr) || undefined },
    );
  }

  const canPassDescriptors = passesDescriptors({
    dialect,
    command,
    globalArgs,
    env: { ...process.env, ...cliEnv },
    platform,
  });

  const runtime: ContainerRuntime = {
    engine,
    command,
    passesDescriptors: canPassDescriptors,

    async info(opts = {}) {
      const timeoutMs = opts.timeoutMs ?? timeouts.infoTimeoutMs;
      const result = await run(dialect.infoArgs, { timeoutMs, ...signalOf(opts) });
      if (result.exitCode !== 0) {
        // docker prints its JSON (with ServerErrors) even when the daemon is down; its stderr says why.
        throw engineNotResponding({ engine, command, stderr: result.stderr || result.stdout, platform });
      }
      return dialect.parseInfo(result.stdout, command);
    },

    async imageExists(image, opts = {}) {
      const args = dialect.imageExistsArgs(image);
      const result = await run(args, {
        timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs,
        ...signalOf(opts),
      });
      if (result.exitCode === 0) return true;
      if (dialect.isImageAbsent(result.exitCode, result.stderr)) return false;
      throw failed(args, result);
    },

    async pullImage(image, opts = {}) {
      if (opts.signal?.aborted) throw abortedError(opts.signal.reason);
      const timeoutMs = opts.timeoutMs ?? timeouts.pullTimeoutMs;
      const argv = [...globalArgs, 'pull', image];
      logger.debug(`${engine}: ${command} ${argv.join(' ')}`);
      const subprocess = execa(command, argv, {
        reject: false,
        stdin: 'ignore',
        buffer: false,
        env: cliEnv,
        cwd,
        timeout: timeoutMs,
        forceKillAfterDelay: 2000,
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      });
      const stderrLines: string[] = [];
      const report = (line: string, stderr: boolean): void => {
        if (stderr) {
          stderrLines.push(line);
          if (stderrLines.length > 50) stderrLines.shift();
        }
        if (line.trim() === '') return;
        try {
          opts.onProgress?.({ message: line } satisfies PullProgress);
        } catch (error) {
          logger.warn(`${engine}: pull progress callback threw`, { error: String(error) });
        }
      };
      const readers = [
        readLines(subprocess.stdout, (line) => report(line, false)),
        readLines(subprocess.stderr, (line) => report(line, true)),
      ];
      const result = await subprocess;
      await Promise.all(readers);
      if (result.isCanceled) throw abortedError(opts.signal?.reason);
      if (result.code === 'ENOENT' || result.code === 'EACCES') throw runtimeNotFound([command]);
      const stderr = stderrLines.join('\n');
      if (result.timedOut) throw pullFailed({ engine, image, stderr, timedOutAfterMs: timeoutMs });
      if (result.exitCode === 0) return;
      if (saysEngineUnreachable(stderr)) {
        throw engineNotResponding({ engine, command, stderr, platform });
      }
      throw pullFailed({ engine, image, stderr });
    },

    spawn(spec, opts = {}) {
      return spawnContainer(spec, opts.signal);
    },

    async remove(name, opts = {}) {
      const args = dialect.removeArgs([name]);
      const result = await run(args, {
        timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs,
        ...signalOf(opts),
      });
      if (
        result.exitCode === 0 ||
        saysNoSuchContainer(result.stderr) ||
        /already in progress/i.test(result.stderr)
      ) {
        return;
      }
      throw failed(args, result);
    },

    async list(labels, opts = {}) {
      const filters = Object.entries(labels).map(([key, value]) => `label=${key}=${value}`);
      const args = dialect.listArgs(filters);
      const result = await run(args, {
        timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs,
        ...signalOf(opts),
      });
      if (result.exitCode !== 0) throw failed(args, result);
      return dialect.parseList(result.stdout);
    },

    async reap(labels, opts = {}) {
      if (Object.keys(labels).length === 0) {
        throw invalidSetting(
          'reap labels',
          '{}',
          'at least one label, so that only this owner’s containers go',
        );
      }
      const timeoutMs = opts.timeoutMs ?? timeouts.commandTimeoutMs;
      const found = await runtime.list(labels, { timeoutMs, ...signalOf(opts) });
      if (found.length === 0) return [];
      const names = found.map((c) => c.name || c.id);
      logger.info(`${engine}: removing ${names.length} leftover container(s)`, { names });
      const args = dialect.removeArgs(names);
      const result = await run(args, { timeoutMs, ...signalOf(opts) });
      if (result.exitCode !== 0 && !saysNoSuchContainer(result.stderr)) {
        // Some may have gone away by themselves meanwhile; only what is still there is a failure.
        const left = await runtime.list(labels, { timeoutMs, ...signalOf(opts) });
        if (left.some((c) => names.includes(c.name || c.id))) throw failed(args, result);
      }
      return names;
    },
  };

  function spawnContainer(spec: ContainerSpec, signal: AbortSignal | undefined): RunningContainer {
    if (spec.channel && !canPassDescriptors) {
      throw invalidSetting(
        'spec.channel',
        'true',
        `false: this ${engine} client cannot pass a descriptor into a container (see passesDescriptors)`,
      );
    }
    const args = buildRunArgs(spec, { engine });
    const argv = [...globalArgs, ...args];
    logger.debug(`${engine}: ${command} ${argv.join(' ')}`);
    const child = execa(command, argv, {
      reject: false,
      // fd 3 of the client, a socket pair end, becomes fd 3 of the container (`--preserve-fds 1`).
      stdio: spec.channel ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      buffer: false,
      encoding: 'buffer',
      stripFinalNewline: false,
      env: { ...cliEnv, ...Object.fromEntries(dialect.runClientUnset.map((name) => [name, undefined])) },
      cwd,
    });

    // execa resumes an unread output stream one tick after spawn (losing its data); piping it straight into a
    // PassThrough keeps every byte for a reader that attaches later, with backpressure back to the engine.
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
    // The result promise waits for the output streams to be read to the end; it must never be left rejected.
    (child as ResultPromise).catch(() => {});

    const clientExitedWithin = async (ms: number): Promise<boolean> => {
      if (exitInfo) return true;
      const timer = delay(Math.max(0, ms), false);
      return Promise.race([exited.then(() => true), timer]);
    };

    const removeQuietly = async (timeoutMs: number): Promise<void> => {
      try {
        await runtime.remove(spec.name, { timeoutMs: Math.max(1000, timeoutMs) });
      } catch (error) {
        logger.warn(`${engine}: rm -f ${spec.name} failed`, { error: String(error) });
      }
    };

    let stopping: Promise<void> | undefined;
    const doStop = async (): Promise<void> => {
      stopRequested = true;
      if (child.pid === undefined && exitInfo) return; // never started
      const deadline = Date.now() + timeouts.stopTimeoutMs;
      // Removing by name kills the container in the engine. If the client has not created it yet, the first rm
      // finds nothing: keep removing until the client has exited, so a late-created container does not survive.
      while (Date.now() < deadline) {
        await removeQuietly(deadline - Date.now());
        if (await clientExitedWithin(Math.min(1000, deadline - Date.now()))) return;
      }
      logger.warn(
        `${engine}: ${spec.name} client still running ${timeouts.stopTimeoutMs} ms after rm -f; killing it`,
      );
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
      stop(stopOptions = {}) {
        stopping ??= doStop();
        const stopSignal = stopOptions.signal;
        if (!stopSignal) return stopping;
        if (stopSignal.aborted) return Promise.reject(abortedError(stopSignal.reason));
        return new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(abortedError(stopSignal.reason));
          stopSignal.addEventListener('abort', onAbort, { once: true });
          stopping!.then(resolve, reject).finally(() => stopSignal.removeEventListener('abort', onAbort));
        });
      },
    };

    if (signal) {
      const onAbort = (): void => void container.stop();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void exited.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return container;
  }

  return runtime;
}

function signalOf(opts: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return opts.signal ? { signal: opts.signal } : {};
}

async function readLines(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      // Progress bars redraw with carriage returns; each redraw is a line of its own.
      for (const part of line.split('\r')) onLine(part);
    }
  } catch {
    // The stream ended abnormally (the process was killed); the exit result says why.
  }
}

/** Passes bytes through unchanged and remembers the last `limit` of them. */
class TailRecorder extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
    this.push(chunk);
    callback();
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}
