import type { Duplex, Readable, Writable } from 'node:stream';
import type { EngineEndpoint } from './endpoint.js';
import type { ContainerRuntimeError } from './errors.js';

/**
 * The engines with an adapter. The sandbox and the bridge never branch on which one they have. `kubernetes` runs each
 * container as a pod of a cluster (`createKubernetesRuntime`), reached through its API server rather than a CLI.
 */
export type EngineName = 'podman' | 'docker' | 'kubernetes';

/** Resource limits and hardening of one container. Every field has a hardened default (see `DEFAULT_LIMITS`). */
export interface ContainerLimits {
  /** Memory limit, engine syntax (`512m`, `1g`). Swap is set equal to it, so the container cannot swap. */
  memory: string;
  /** Maximum number of processes/threads in the container. */
  pids: number;
  /** CPU quota (`1.5`), or undefined for no quota. */
  cpus?: string | undefined;
  /** `uid:gid` the code runs as. */
  user: string;
  /** RLIMIT_NOFILE, soft = hard. */
  nofile: number;
  /** RLIMIT_NPROC, soft = hard. */
  nproc: number;
  /** Size of the tmpfs mounted at /tmp (engine syntax). */
  tmpSize: string;
  /** Size of the tmpfs mounted at /workspace (engine syntax). */
  workspaceSize: string;
  /** OCI runtime passed as `--runtime` (runc, crun, runsc, kata…), or undefined for the engine's default. */
  ociRuntime?: string | undefined;
}

/** What to start. The hardened argument builder turns this into `run` arguments. */
export interface ContainerSpec {
  image: string;
  /** Unique per container: `codexec-<id>`. */
  name: string;
  /** Labels identifying the owner (bridge instance), so leftovers can be reaped. */
  labels: Record<string, string>;
  /** Command and arguments run in the container. */
  command: string[];
  limits: ContainerLimits;
  /**
   * The complete environment of the container (besides the image's own variables, HOME and HOSTNAME): nothing from
   * the host passes in.
   * @default {}
   */
  env?: Record<string, string>;
  /**
   * Working directory inside the container, a size-capped tmpfs.
   * @default '/workspace' (`CONTAINER_WORKDIR`)
   */
  workdir?: string;
  /**
   * Ask for `RunningContainer.channel`: a socket straight into the container's process as its file descriptor 3.
   * Only for a runtime whose `passesDescriptors` is true; `spawn` throws `INVALID_OPTIONS` otherwise.
   */
  channel?: boolean;
}

export interface ContainerExit {
  code: number | null;
  signal: string | null;
  /**
   * Set when the container never ran the command: the engine CLI could not be started (`RUNTIME_NOT_FOUND`), or
   * the engine refused the container (`IMAGE_MISSING`, `OCI_RUNTIME_MISSING`, `CONTAINER_START_FAILED`, …).
   * Undefined for any exit of the program itself, and after `stop()`.
   */
  error?: ContainerRuntimeError | undefined;
}

/**
 * A started container whose stdio is piped to the host. stdout and stderr are raw byte streams (Buffers, no
 * encoding) that keep their data until read, with backpressure: read both (or `resume()` the one you do not need),
 * or a container that writes a lot blocks.
 */
export interface RunningContainer {
  readonly name: string;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /**
   * With `spec.channel`: one end of a socket pair whose other end is file descriptor 3 of the container's process.
   * Bytes travel through the kernel only, where stdio goes through the engine's relay (podman's client and conmon),
   * which roughly halves a round trip.
   */
  readonly channel?: Duplex | undefined;
  /**
   * Resolves when the engine client process exits (the container has stopped or been removed). Never rejects;
   * a container that could not start resolves with `error` set. Output may still be buffered in stdout/stderr.
   */
  readonly exited: Promise<ContainerExit>;
  /**
   * Whether the engine client process runs at this instant, read synchronously: false once it has exited, and
   * already while it is dying or a zombie whose exit `exited` has not reported yet (a `kill -9` is seen as soon as
   * it was sent). Exact on Linux (`/proc`); elsewhere signal 0 asks, which sees a killed client only once Node has
   * reaped it. A container whose client is gone may still run, and answer on `channel`: remove it (`stop()`).
   */
  clientRunning(): boolean;
  /**
   * Kill and remove the container by name (never only the client), then wait for the client to exit. Idempotent and
   * safe to call concurrently (every call waits for the same stop). Never rejects, except with `ABORTED` when its
   * own signal fires (the stop itself goes on). If `rm -f` hangs, the client is killed after `stopTimeoutMs`.
   */
  stop(options?: { signal?: AbortSignal }): Promise<void>;
}

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  /** The image the container was created from, when the engine says. */
  image?: string | undefined;
}

export interface PullProgress {
  /** A line of the engine's pull output, for display. */
  message: string;
}

export interface EngineInfo {
  engine: EngineName;
  /** Path or name of the CLI binary; for `kubernetes`, the API server's URL. */
  command: string;
  version: string;
  rootless: boolean;
  /** OCI runtimes the engine reports, when it does. */
  ociRuntimes: string[];
  defaultOciRuntime?: string | undefined;
  /** `1` or `2`. Rootless engines on cgroups v1 ignore memory/pids/cpu limits. */
  cgroupVersion?: string | undefined;
  /**
   * The cgroup controllers the engine can use for its containers (podman: those delegated to its user; docker:
   * `memory`, `pids`, `cpu` as its daemon reports support). Undefined when the engine does not say.
   */
  cgroupControllers?: string[] | undefined;
  /**
   * Where the engine was reached, as it says: podman's API socket when its CLI is a remote client, docker's daemon
   * address (of `DOCKER_HOST` or the context in use). Undefined when the engine does not say.
   */
  address?: string | undefined;
  /**
   * Whether the CLI is a client of the engine's API, which may be on another machine, as the engine says (podman
   * configured as remote in a config file counts). Undefined when the engine does not say.
   */
  remote?: boolean | undefined;
}

/** One thing an engine needs beyond answering (a cluster's permissions, its network isolation), for `doctor`. */
export interface EngineCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do, when the status is not ok. */
  fix?: string | undefined;
}

/** One container engine, reached through its CLI. */
export interface ContainerRuntime {
  readonly engine: EngineName;
  readonly command: string;
  /** Where the CLI sends its requests, as its arguments and environment say (`engineEndpoint`). */
  readonly endpoint: EngineEndpoint;
  /**
   * Whether `spawn` can hand a file descriptor to the container (`spec.channel`): local podman on Linux
   * (`--preserve-fds`). Not docker, whose client talks to a daemon, nor a remote podman (`--url`, CONTAINER_HOST,
   * a podman machine), nor one that `info()` found to be remote.
   */
  readonly passesDescriptors: boolean;
  /**
   * Asks the engine to answer and says what it is.
   * @throws {ContainerRuntimeError} (rejects) `ENGINE_NOT_RESPONDING` when it does not answer in time,
   * `RUNTIME_NOT_FOUND`, `COMMAND_FAILED` (output it cannot read), `ABORTED`.
   */
  info(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<EngineInfo>;
  /**
   * Whether the image is on this machine (no network).
   * @throws {ContainerRuntimeError} (rejects) `ENGINE_NOT_RESPONDING`, `RUNTIME_NOT_FOUND`, `COMMAND_FAILED`,
   * `ABORTED`.
   */
  imageExists(image: string, options?: CommandOptions): Promise<boolean>;
  /**
   * Pulls the image, reporting each line the engine prints.
   * @throws {ContainerRuntimeError} (rejects) `PULL_FAILED` on failure or timeout, `ENGINE_NOT_RESPONDING`,
   * `RUNTIME_NOT_FOUND`, `ABORTED`.
   */
  pullImage(
    image: string,
    options?: CommandOptions & { onProgress?: (progress: PullProgress) => void },
  ): Promise<void>;
  /**
   * Starts `run -i --rm` with the hardened arguments and piped stdio (never pulls: a missing image ends with
   * `exited.error.code === 'IMAGE_MISSING'`). When `signal` fires, the container is stopped. Every failure after
   * the start is in `exited`.
   * @throws {ContainerRuntimeError} `INVALID_OPTIONS`, synchronously, for a spec that cannot be passed safely.
   */
  spawn(spec: ContainerSpec, options?: { signal?: AbortSignal }): RunningContainer;
  /**
   * `rm -f` by name; succeeds when the container is already gone.
   * @throws {ContainerRuntimeError} (rejects) `COMMAND_FAILED`, `ENGINE_NOT_RESPONDING`, `RUNTIME_NOT_FOUND`,
   * `ABORTED`.
   */
  remove(name: string, options?: CommandOptions): Promise<void>;
  /**
   * Containers (any state) carrying every given label; all containers for `{}`.
   * @throws {ContainerRuntimeError} (rejects) `COMMAND_FAILED`, `ENGINE_NOT_RESPONDING`, `RUNTIME_NOT_FOUND`,
   * `ABORTED`.
   */
  list(labels: Record<string, string>, options?: CommandOptions): Promise<ContainerSummary[]>;
  /**
   * Removes every container carrying the labels (at least one label); returns the names removed.
   * @throws {ContainerRuntimeError} (rejects) `INVALID_OPTIONS` for no label, and what `list` and `remove` throw.
   */
  reap(labels: Record<string, string>, options?: CommandOptions): Promise<string[]>;
  /**
   * What the engine needs beyond answering, checked without starting anything: the Kubernetes adapter's RBAC
   * permissions and the sandbox pods' network isolation. Absent for podman and docker, whose `info` says it all.
   * @throws {ContainerRuntimeError} (rejects) what `info` throws.
   */
  diagnose?(options?: CommandOptions): Promise<EngineCheck[]>;
}

export interface CommandOptions {
  signal?: AbortSignal;
  /**
   * How long to wait for the engine, in milliseconds.
   * @default the adapter's `commandTimeoutMs` (`pullTimeoutMs` for a pull)
   */
  timeoutMs?: number;
}
