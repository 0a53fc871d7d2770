import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { LineTail } from '@codexec/internal';
import { engineNotResponding, pullFailed, runtimeNotFound, saysEngineUnreachable } from '../engine-errors.js';
import { abortedError } from '../errors.js';
import type { PullProgress } from '../runtime.js';
import type { EngineCli } from './engine-command.js';
import { loadExeca } from './load-execa.js';

/** Lines of the engine's stderr kept to explain a failed pull. */
const STDERR_LINES = 50;

export interface PullOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  onProgress?: ((progress: PullProgress) => void) | undefined;
}

/**
 * `<engine> pull IMAGE`, passing every line the engine prints to `onProgress` as it comes. Throws `PULL_FAILED`
 * (failure or timeout, with the engine's last lines), `ENGINE_NOT_RESPONDING`, `RUNTIME_NOT_FOUND` or `ABORTED`.
 */
export async function pullImage(cli: EngineCli, image: string, options: PullOptions): Promise<void> {
  const { engine, command, logger, platform } = cli;
  const { signal, timeoutMs } = options;
  if (signal?.aborted) throw abortedError(signal.reason);
  const argv = [...cli.globalArgs, 'pull', image];
  logger.debug(`${engine}: ${command} ${argv.join(' ')}`);
  const { execa } = await loadExeca();
  const subprocess = execa(command, argv, {
    reject: false,
    stdin: 'ignore',
    buffer: false,
    env: cli.env,
    cwd: cli.cwd,
    timeout: timeoutMs,
    forceKillAfterDelay: 2000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  // Every line, blank ones too, so that the kept lines are the engine's last ones; `tail` drops the blanks.
  const stderrTail = new LineTail(STDERR_LINES, Number.POSITIVE_INFINITY);
  const report = (line: string, fromStderr: boolean): void => {
    if (fromStderr) stderrTail.push(`${line}\n`);
    if (line.trim() === '') return;
    try {
      options.onProgress?.({ message: line } satisfies PullProgress);
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
  if (result.isCanceled) throw abortedError(signal?.reason);
  if (result.code === 'ENOENT' || result.code === 'EACCES') throw runtimeNotFound([command]);
  const stderr = stderrTail.snapshot().join('\n');
  if (result.timedOut) throw pullFailed({ engine, image, stderr, timedOutAfterMs: timeoutMs });
  if (result.exitCode === 0) return;
  if (saysEngineUnreachable(stderr)) {
    throw engineNotResponding({ engine, command, endpoint: cli.endpoint, stderr, platform });
  }
  throw pullFailed({ engine, image, stderr });
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
