import { describeEndpoint, type EngineEndpoint } from './endpoint.js';
import { ContainerRuntimeError, tail } from './errors.js';
import type { EngineName } from './runtime.js';

/**
 * Turns what an engine printed into typed errors with advice. Pure: every function takes the text the engine
 * wrote and returns an error (or a verdict); the adapters decide when to call them.
 */

const NOT_ANSWERING = [
  /Cannot connect to the Docker daemon/i,
  /Is the docker daemon running/i,
  /permission denied while trying to connect to the Docker daemon/i,
  /error during connect/i,
  /Cannot connect to Podman/i,
  /unable to connect to Podman/i,
];

/** Whether the engine's message says the CLI could not reach its engine (daemon, VM, socket). */
export function saysEngineUnreachable(stderr: string): boolean {
  return NOT_ANSWERING.some((pattern) => pattern.test(stderr));
}

export function saysNoSuchContainer(stderr: string): boolean {
  return /no such container|no container with (name or )?id/i.test(stderr);
}

export function saysNoSuchImage(stderr: string): boolean {
  return /image not known|no such image|unable to find image|image .* not found/i.test(stderr);
}

const UNKNOWN_OCI_RUNTIME = [
  // podman 4: `default OCI runtime "X" not found: invalid argument`; other versions `OCI runtime "X" not found`
  /OCI runtime "?([^"\s:]+)"? not found/i,
  // docker 20.10: `Unknown runtime specified X`; later: `unknown or invalid runtime name: X`
  /Unknown runtime specified:? *([^\s]+)/i,
  /unknown or invalid runtime name:? *([^\s]+)/i,
  // podman, a path that is not there: `no valid executable found for OCI runtime /x: invalid argument`
  /no valid executable found for OCI runtime:? *([^\s:]+)/i,
];

/** The OCI runtime name the engine says it does not know, or undefined when the message is about something else. */
export function unknownOciRuntime(stderr: string): string | undefined {
  for (const pattern of UNKNOWN_OCI_RUNTIME) {
    const match = pattern.exec(stderr);
    if (match) return match[1] ?? '';
  }
  return undefined;
}

function engineAdvice(
  engine: EngineName,
  stderr: string,
  platform: NodeJS.Platform,
  endpoint: EngineEndpoint | undefined,
): string {
  if (endpoint?.remote && endpoint.kind !== 'machine') {
    const where = describeEndpoint(endpoint);
    if (/permission denied|unauthori[sz]ed|forbidden|handshake failed|authenticat/i.test(stderr)) {
      return `The engine at ${where} refused this user: check that you may use its socket (its owner and mode), the ssh key or TLS certificates, and \`${engine === 'docker' ? 'docker context ls' : 'podman system connection list'}\`.`;
    }
    return `Check that the engine at ${where} is running and reachable from here (the address, port or socket path, the network, \`${engine === 'docker' ? 'docker context ls' : 'podman system connection list'}\`), or unset it to use the local engine.`;
  }
  if (engine === 'docker') {
    if (/permission denied/i.test(stderr)) {
      return 'You may not use the Docker socket: add your user to the "docker" group (then log in again), use rootless Docker, or set DOCKER_HOST.';
    }
    if (platform === 'darwin' || platform === 'win32')
      return 'Start Docker Desktop and wait until it says it is running.';
    return 'Start the daemon (`sudo systemctl start docker`, or `dockerd`), or check DOCKER_HOST and `docker context ls`.';
  }
  if (platform === 'darwin' || platform === 'win32') {
    return 'Start the podman machine (`podman machine start`; `podman machine init` first if `podman machine list` shows none), or check `podman system connection list`.';
  }
  if (/permission denied|newuidmap|subuid|user namespace/i.test(stderr)) {
    return 'Check the permissions of rootless podman: your user needs ranges in /etc/subuid and /etc/subgid (then run `podman system migrate`).';
  }
  return 'Check that podman works for this user (`podman info`), and CONTAINER_HOST / `podman system connection list` if it is remote.';
}

export interface EngineNotRespondingInput {
  engine: EngineName;
  command: string;
  stderr?: string | undefined;
  timedOutAfterMs?: number | undefined;
  platform?: NodeJS.Platform | undefined;
  /** Where the CLI sent its request: named in the message when it is not the local default. */
  endpoint?: EngineEndpoint | undefined;
  cause?: unknown;
}

export function engineNotResponding(input: EngineNotRespondingInput): ContainerRuntimeError {
  const at = input.endpoint?.remote ? ` at ${describeEndpoint(input.endpoint)}` : '';
  const stderr = tail(input.stderr ?? '');
  const what =
    input.timedOutAfterMs !== undefined
      ? `did not answer within ${Math.round(input.timedOutAfterMs / 100) / 10} s`
      : 'did not answer';
  const detail = stderr ? `:\n${stderr}\n` : '. ';
  return new ContainerRuntimeError(
    'ENGINE_NOT_RESPONDING',
    `${input.engine} (${input.command})${at} ${what}${detail}${engineAdvice(input.engine, stderr, input.platform ?? process.platform, input.endpoint)}`,
    { engine: input.engine, stderr: stderr || undefined, cause: input.cause },
  );
}

export function runtimeNotFound(tried: string[]): ContainerRuntimeError {
  return new ContainerRuntimeError(
    'RUNTIME_NOT_FOUND',
    'No container runtime found: install podman or docker, or set the `runtime` to the path of one' +
      (tried.length > 0 ? ` (tried: ${tried.join(', ')}).` : '.'),
  );
}

export function imageMissing(
  engine: EngineName,
  image: string,
  stderr?: string,
  endpoint?: EngineEndpoint,
): ContainerRuntimeError {
  const where = endpoint?.remote ? `in the engine at ${describeEndpoint(endpoint)}` : 'on this machine';
  return new ContainerRuntimeError(
    'IMAGE_MISSING',
    `The image ${image} is not ${where} for ${engine}. Pull it (\`${engine} pull ${image}\`), or set ` +
      `the \`image\` to one that is there (\`${engine} images\`).`,
    { engine, stderr: stderr ? tail(stderr) : undefined },
  );
}

export function ociRuntimeMissing(
  engine: EngineName,
  runtime: string,
  stderr?: string,
): ContainerRuntimeError {
  const install =
    engine === 'docker'
      ? `register it with the daemon ("runtimes" in /etc/docker/daemon.json, then restart dockerd)`
      : `install it and make sure podman finds it (on PATH, or [engine.runtimes] in containers.conf)`;
  return new ContainerRuntimeError(
    'OCI_RUNTIME_MISSING',
    `${engine} does not know the OCI runtime "${runtime}": ${install}, or set \`limits.ociRuntime\` to one ` +
      `it has (runc, crun) or unset it to use the engine's default.`,
    { engine, stderr: stderr ? tail(stderr) : undefined },
  );
}

export function pullFailed(input: {
  engine: EngineName;
  image: string;
  stderr: string;
  timedOutAfterMs?: number | undefined;
}): ContainerRuntimeError {
  const { engine, image } = input;
  const stderr = tail(input.stderr);
  let advice = 'Check the image name, your network and registry login, or load the image another way';
  if (/short-name|unqualified-search/i.test(stderr)) {
    advice = 'Use a fully qualified name such as docker.io/library/python:3.12-slim';
  } else if (/manifest unknown|not found|does not exist|pull access denied/i.test(stderr)) {
    advice = 'Check the image name and tag (and `docker login`/`podman login` for a private registry)';
  }
  const what = input.timedOutAfterMs !== undefined ? `timed out after ${input.timedOutAfterMs} ms` : 'failed';
  return new ContainerRuntimeError(
    'PULL_FAILED',
    `Pulling ${image} with ${engine} ${what}${stderr ? `:\n${stderr}\n` : '. '}${advice} (\`${engine} load\`, ` +
      `\`${engine} import\`), or set the \`image\` to one that is on this machine.`,
    { engine, stderr: stderr || undefined },
  );
}

const START_HINTS: [RegExp, string][] = [
  [
    /error setting rlimit|setrlimit/i,
    "The engine could not set the rlimits: lower `limits.nofile` / `limits.nproc` below the host's hard limits (`ulimit -Hn`, `ulimit -Hu`).",
  ],
  [
    /cgroups in hybrid mode|cgroup.*not supported/i,
    "The OCI runtime cannot use this host's cgroups: set `limits.ociRuntime` to runc (or configure runc in containers.conf).",
  ],
  [
    /range of CPUs|cpus.*(invalid|range)/i,
    'Lower `limits.cpus` to at most the number of CPUs of the engine.',
  ],
  [/minimum memory|memory limit/i, 'Raise `limits.memory`.'],
  [
    /executable file not found|no such file or directory.*exec|exec format error/i,
    'The image cannot run the command (is python3 in it?): set the `image` to a Python image.',
  ],
  [
    /name .* is already in use|already in use by container/i,
    'A container with this name exists already: use a new id.',
  ],
];

export interface StartFailureInput {
  engine: EngineName;
  exitCode: number | null;
  stderr: string;
  image: string;
  ociRuntime?: string | undefined;
  /** Where the CLI sent its request (named when the engine could not be reached). */
  endpoint?: EngineEndpoint | undefined;
}

/**
 * Why `run` ended before the program could: exit code 125 is the engines' "the engine itself failed" code; 126 and
 * 127 (command cannot run / not found) count only with the runtime's own message, since a program may exit with
 * them too. Undefined when the exit was the program's own.
 */
export function classifyStartFailure(input: StartFailureInput): ContainerRuntimeError | undefined {
  const { engine, exitCode, stderr, image } = input;
  const engineFailed =
    exitCode === 125 ||
    ((exitCode === 126 || exitCode === 127) &&
      /OCI runtime|executable file not found|permission denied/i.test(stderr));
  if (!engineFailed) return undefined;
  if (saysNoSuchImage(stderr)) return imageMissing(engine, image, stderr, input.endpoint);
  const oci = unknownOciRuntime(stderr);
  if (oci !== undefined) return ociRuntimeMissing(engine, input.ociRuntime ?? oci, stderr);
  if (saysEngineUnreachable(stderr)) {
    return engineNotResponding({ engine, command: engine, stderr, endpoint: input.endpoint });
  }
  const text = tail(stderr);
  const hint =
    START_HINTS.find(([pattern]) => pattern.test(text))?.[1] ??
    `Run \`${engine} info\` and check the engine's message.`;
  return new ContainerRuntimeError(
    'CONTAINER_START_FAILED',
    `${engine} could not start the container (exit code ${exitCode})${text ? `:\n${text}\n` : '. '}${hint}`,
    { engine, stderr: text || undefined },
  );
}
