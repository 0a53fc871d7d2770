import { tmpdir } from 'node:os';
import { engineEndpoint } from '../endpoint.js';
import { engineNotResponding, saysNoSuchContainer } from '../engine-errors.js';
import { invalidOption, isContainerRuntimeError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import type { ContainerRuntime, ContainerSummary, EngineInfo, EngineName } from '../runtime.js';
import { passesDescriptors } from './descriptor-passing.js';
import { commandFailed, type EngineCli, runEngineCommand } from './engine-command.js';
import { pullImage } from './pull.js';
import { spawnContainer } from './spawn.js';

/** Options shared by the podman and docker adapters. */
export interface CliRuntimeOptions {
  /**
   * The CLI binary: a name on PATH or a path.
   * @default the engine's name, `podman` or `docker`
   */
  command?: string;
  /**
   * Arguments put before every subcommand, e.g. `['--url', 'unix:///run/podman/podman.sock']` or `['--context', 'x']`.
   * @default []
   */
  globalArgs?: string[];
  /**
   * Variables added to the CLI's own environment (DOCKER_HOST, CONTAINER_HOST, …). The CLI gets the host's
   * environment plus these; containers never see either (the run arguments pass no host variable in).
   * @default {}
   */
  env?: Record<string, string | undefined>;
  /**
   * Where the adapter logs the commands it runs and what goes wrong while stopping.
   * @default silentLogger
   */
  logger?: Logger;
  /**
   * How long `info` waits for the engine, in milliseconds.
   * @default 10_000
   */
  infoTimeoutMs?: number;
  /**
   * How long `imageExists`, `remove`, `list` and `reap` wait for the engine, in milliseconds.
   * @default 30_000
   */
  commandTimeoutMs?: number;
  /**
   * How long `pullImage` may take, in milliseconds.
   * @default 600_000 (10 min)
   */
  pullTimeoutMs?: number;
  /**
   * How long `stop()` keeps trying `rm -f` and waiting for the client before it kills the client, in milliseconds.
   * @default 15_000
   */
  stopTimeoutMs?: number;
  /**
   * Platform the advice in error messages is for.
   * @default process.platform
   */
  platform?: NodeJS.Platform;
  /**
   * Working directory of the engine's CLI. Never the caller's own: podman's conmon writes a file named `oom` into
   * it when the memory limit kills a container.
   * @default the system's temporary directory (`os.tmpdir()`)
   */
  cwd?: string;
}

/** What differs between the engines' CLIs; everything else is shared. */
export interface EngineDialect {
  engine: EngineName;
  infoArgs: string[];
  parseInfo(stdout: string, command: string): EngineInfo;
  /**
   * A command that prints the address the CLI reaches its engine at, when `info` does not say it (docker: the
   * endpoint of the context in use), and its parser; `info` runs it beside its own and ignores its failure.
   */
  addressArgs?: string[];
  parseAddress?(stdout: string): string | undefined;
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

const DEFAULTS = {
  infoTimeoutMs: 10_000,
  commandTimeoutMs: 30_000,
  pullTimeoutMs: 600_000,
  stopTimeoutMs: 15_000,
};

/**
 * A `ContainerRuntime` over an engine's CLI, from what differs between engines (`dialect`). The podman and docker
 * adapters are this with their dialects. What each method throws is documented on `ContainerRuntime`.
 */
export function createCliRuntime(dialect: EngineDialect, options: CliRuntimeOptions = {}): ContainerRuntime {
  const engine = dialect.engine;
  const command = options.command ?? engine;
  const globalArgs = options.globalArgs ?? [];
  const env = options.env ?? {};
  const platform = options.platform ?? process.platform;
  const endpoint = engineEndpoint({ engine, command, globalArgs, env: { ...process.env, ...env }, platform });
  const cli: EngineCli = {
    engine,
    command,
    globalArgs,
    env,
    endpoint,
    cwd: options.cwd ?? tmpdir(),
    platform,
    logger: options.logger ?? silentLogger,
  };
  const { logger } = cli;
  const timeouts = {
    infoTimeoutMs: options.infoTimeoutMs ?? DEFAULTS.infoTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    pullTimeoutMs: options.pullTimeoutMs ?? DEFAULTS.pullTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
  };
  // What the arguments and environment say; an engine that says it is remote when asked turns it off too.
  let canPassDescriptors = passesDescriptors({
    dialect,
    command,
    globalArgs,
    env: { ...process.env, ...env },
    platform,
  });

  const runtime: ContainerRuntime = {
    engine,
    command,
    endpoint,
    get passesDescriptors() {
      return canPassDescriptors;
    },

    async info(opts = {}) {
      const timeoutMs = opts.timeoutMs ?? timeouts.infoTimeoutMs;
      const commandOptions = { timeoutMs, signal: opts.signal };
      const [result, address] = await Promise.all([
        runEngineCommand(cli, dialect.infoArgs, commandOptions),
        dialect.addressArgs && dialect.parseAddress
          ? runEngineCommand(cli, dialect.addressArgs, commandOptions).then(
              (printed) => (printed.exitCode === 0 ? dialect.parseAddress!(printed.stdout) : undefined),
              () => undefined,
            )
          : undefined,
      ]);
      if (result.exitCode !== 0) {
        // docker prints its JSON (with ServerErrors) even when the daemon is down; its stderr says why.
        throw engineNotResponding({ ...cli, stderr: result.stderr || result.stdout });
      }
      let info: EngineInfo;
      try {
        info = dialect.parseInfo(result.stdout, command);
      } catch (error) {
        if (isContainerRuntimeError(error, 'ENGINE_NOT_RESPONDING')) {
          throw engineNotResponding({ ...cli, stderr: error.stderr ?? error.message, cause: error });
        }
        throw error;
      }
      if (address !== undefined) {
        info.address = address;
        info.remote = info.remote === true || !isDefaultLocalAddress(address);
      }
      if (info.remote) canPassDescriptors = false;
      return info;
    },

    async imageExists(image, opts = {}) {
      const args = dialect.imageExistsArgs(image);
      const result = await runEngineCommand(cli, args, {
        timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs,
        signal: opts.signal,
      });
      if (result.exitCode === 0) return true;
      if (dialect.isImageAbsent(result.exitCode, result.stderr)) return false;
      throw commandFailed(cli, args, result);
    },

    pullImage(image, opts = {}) {
      return pullImage(cli, image, {
        timeoutMs: opts.timeoutMs ?? timeouts.pullTimeoutMs,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
    },

    spawn(spec, opts = {}) {
      return spawnContainer(cli, spec, {
        signal: opts.signal,
        passesDescriptors: canPassDescriptors,
        runClientUnset: dialect.runClientUnset,
        stopTimeoutMs: timeouts.stopTimeoutMs,
        remove: (name, timeoutMs) => runtime.remove(name, { timeoutMs }),
      });
    },

    async remove(name, opts = {}) {
      const args = dialect.removeArgs([name]);
      const result = await runEngineCommand(cli, args, {
        timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs,
        signal: opts.signal,
      });
      if (
        result.exitCode === 0 ||
        saysNoSuchContainer(result.stderr) ||
        /already in progress/i.test(result.stderr)
      ) {
        return;
      }
      throw commandFailed(cli, args, result);
    },

    async list(labels, opts = {}) {
      const filters = Object.entries(labels).map(([key, value]) => `label=${key}=${value}`);
      const args = dialect.listArgs(filters);
      const result = await runEngineCommand(cli, args, {
        timeoutMs: opts.timeoutMs ?? timeouts.commandTimeoutMs,
        signal: opts.signal,
      });
      if (result.exitCode !== 0) throw commandFailed(cli, args, result);
      return dialect.parseList(result.stdout);
    },

    async reap(labels, opts = {}) {
      if (Object.keys(labels).length === 0) {
        throw invalidOption(
          'reap labels',
          '{}',
          'at least one label, so that only this owner’s containers go',
        );
      }
      const timeoutMs = opts.timeoutMs ?? timeouts.commandTimeoutMs;
      const commandOptions = opts.signal ? { timeoutMs, signal: opts.signal } : { timeoutMs };
      const found = await runtime.list(labels, commandOptions);
      if (found.length === 0) return [];
      const names = found.map((c) => c.name || c.id);
      logger.info(`${engine}: removing ${names.length} leftover container(s)`, { names });
      const args = dialect.removeArgs(names);
      const result = await runEngineCommand(cli, args, commandOptions);
      if (result.exitCode !== 0 && !saysNoSuchContainer(result.stderr)) {
        // Some may have gone away by themselves meanwhile; only what is still there is a failure.
        const left = await runtime.list(labels, commandOptions);
        if (left.some((c) => names.includes(c.name || c.id))) throw commandFailed(cli, args, result);
      }
      return names;
    },
  };
  return runtime;
}

/** Whether a daemon address is one of the usual local sockets (docker's default, rootless, Desktop's). Pure. */
function isDefaultLocalAddress(address: string): boolean {
  return /^unix:\/\/.*\/docker\.sock$|^npipe:/.test(address);
}
