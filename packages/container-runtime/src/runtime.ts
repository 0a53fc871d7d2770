import type { Readable, Writable } from 'node:stream';

/** The engines with an adapter. The sandbox and the bridge never branch on which one they have. */
export type EngineName = 'podman' | 'docker';

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
  /** The complete environment of the container: nothing from the host passes in. */
  env?: Record<string, string>;
  /** Working directory inside the container (default /workspace). */
  workdir?: string;
}

export interface ContainerExit {
  code: number | null;
  signal: string | null;
}

/** A started container whose stdio is piped to the host. */
export interface RunningContainer {
  readonly name: string;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves when the engine client process exits (the container has stopped or been removed). Never rejects. */
  readonly exited: Promise<ContainerExit>;
  /** Kill and remove the container by name (never only the client), then wait for the client to exit. Idempotent. */
  stop(options?: { signal?: AbortSignal }): Promise<void>;
}

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
}

export interface PullProgress {
  /** A line of the engine's pull output, for display. */
  message: string;
}

export interface EngineInfo {
  engine: EngineName;
  /** Path or name of the CLI binary. */
  command: string;
  version: string;
  rootless: boolean;
  /** OCI runtimes the engine reports, when it does. */
  ociRuntimes: string[];
  defaultOciRuntime?: string | undefined;
}

/** One container engine, reached through its CLI. */
export interface ContainerRuntime {
  readonly engine: EngineName;
  readonly command: string;
  /** Asks the engine to answer; throws `ENGINE_NOT_RESPONDING` when it does not. */
  info(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<EngineInfo>;
  imageExists(image: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  pullImage(
    image: string,
    options?: { signal?: AbortSignal; onProgress?: (progress: PullProgress) => void },
  ): Promise<void>;
  /** Starts `run -i --rm` with the hardened arguments and piped stdio. */
  spawn(spec: ContainerSpec): RunningContainer;
  /** `rm -f` by name; succeeds when the container is already gone. */
  remove(name: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Containers (any state) carrying every given label. */
  list(labels: Record<string, string>, options?: { signal?: AbortSignal }): Promise<ContainerSummary[]>;
  /** Removes every container carrying the labels; returns the names removed. */
  reap(labels: Record<string, string>, options?: { signal?: AbortSignal }): Promise<string[]>;
}
