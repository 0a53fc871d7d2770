import type { EngineEndpoint } from '../endpoint.js';
import { engineNotResponding, runtimeNotFound, saysEngineUnreachable } from '../engine-errors.js';
import { abortedError, ContainerRuntimeError, tail } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EngineName } from '../runtime.js';
import { loadExeca } from './load-execa.js';

/** How to reach one engine's CLI: everything a command needs besides its own arguments. */
export interface EngineCli {
  engine: EngineName;
  /** The binary: a name on PATH or a path. */
  command: string;
  /** Arguments put before every subcommand. */
  globalArgs: readonly string[];
  /** Variables added to the CLI's environment (the host's environment is passed too). */
  env: Record<string, string | undefined>;
  /** Where the CLI sends its requests, named in the errors of an engine that does not answer. */
  endpoint: EngineEndpoint;
  /** Working directory of the CLI. */
  cwd: string;
  /** Platform the advice in error messages is for. */
  platform: NodeJS.Platform;
  logger: Logger;
}

/** What a command that ran to its end printed, and how it exited. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one short engine command to completion. A command that ran and failed is a result (its caller knows which
 * exit codes mean what); the typed errors are for a CLI that is not there (`RUNTIME_NOT_FOUND`), an engine that did
 * not answer in time (`ENGINE_NOT_RESPONDING`), a signal that fired (`ABORTED`), or a process that could not be
 * run at all (`COMMAND_FAILED`).
 */
export async function runEngineCommand(
  cli: EngineCli,
  args: string[],
  options: { signal?: AbortSignal | undefined; timeoutMs: number },
): Promise<CommandResult> {
  const { engine, command } = cli;
  const { signal } = options;
  if (signal?.aborted) throw abortedError(signal.reason);
  const argv = [...cli.globalArgs, ...args];
  cli.logger.debug(`${engine}: ${command} ${argv.join(' ')}`);
  const { execa } = await loadExeca();
  const result = await execa(command, argv, {
    reject: false,
    stdin: 'ignore',
    env: cli.env,
    cwd: cli.cwd,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 2000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  if (result.isCanceled) throw abortedError(signal?.reason);
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
      endpoint: cli.endpoint,
      command: `${command} ${args[0] ?? ''}`.trim(),
      stderr: result.stderr,
      timedOutAfterMs: options.timeoutMs,
      platform: cli.platform,
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

/**
 * The error for a command that exited with a code its caller does not accept: `ENGINE_NOT_RESPONDING` when the
 * engine's message says it could not be reached, else `COMMAND_FAILED` with the last lines of its stderr. Pure.
 */
export function commandFailed(cli: EngineCli, args: string[], result: CommandResult): ContainerRuntimeError {
  const { engine, command, platform } = cli;
  if (saysEngineUnreachable(result.stderr)) {
    return engineNotResponding({ engine, command, endpoint: cli.endpoint, stderr: result.stderr, platform });
  }
  return new ContainerRuntimeError(
    'COMMAND_FAILED',
    `\`${command} ${args.join(' ')}\` failed with exit code ${result.exitCode}:\n${tail(result.stderr)}\n` +
      `Run it by hand to see the engine's full message.`,
    { engine, stderr: tail(result.stderr) || undefined },
  );
}
