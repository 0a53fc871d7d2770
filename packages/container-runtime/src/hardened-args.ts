import { invalidOption } from './errors.js';
import type { ContainerSpec, EngineName } from './runtime.js';
import { validateImage, validateLimits } from './settings.js';

/** Label carrying the id of the bridge (or other owner) instance that started the container. */
export const LABEL_INSTANCE = 'codexec.instance';
/** Label set on every container this package starts. */
export const LABEL_MANAGED = 'codexec.managed';
export const CONTAINER_NAME_PREFIX = 'codexec-';
/** Working directory of the code, a size-capped tmpfs. */
export const CONTAINER_WORKDIR = '/workspace';

/**
 * Proxy variables an engine client may add to containers on its own: podman copies them from its environment
 * (unless `--http-proxy=false`), the docker CLI from the `proxies` of its config.json. The docker CLI adds one only
 * when the run does not name it, so the docker arguments name each with a bare `--env NAME`, and the adapter
 * removes these names from the environment of the `docker run` client: a bare name then leaves the variable unset.
 */
export const PROXY_VARIABLES: readonly string[] = Object.freeze(
  ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((name) => [
    name,
    name.toLowerCase(),
  ]),
);

const NAME_PART = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `codexec-<id>`; the id must be usable in a container name (letters, digits, `_`, `.`, `-`).
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` for an id that is not.
 */
export function containerName(id: string): string {
  if (!NAME_PART.test(id)) {
    throw invalidOption(
      'container id',
      id,
      'letters, digits, "_", "." or "-", starting with a letter or digit',
    );
  }
  return `${CONTAINER_NAME_PREFIX}${id}`;
}

/** The labels of a container owned by one bridge instance; `list`/`reap` with them find its containers. */
export function containerLabels(instanceId: string): Record<string, string> {
  return { [LABEL_INSTANCE]: instanceId, [LABEL_MANAGED]: 'true' };
}

export interface BuildRunArgsOptions {
  engine: EngineName;
}

/**
 * The complete argument list after the engine binary (`run …`) for one hardened container. Pure: it only reads
 * the spec.
 *
 * Beyond the flags in the spec's limits:
 * - `--pull never`: a missing image is an immediate, typed error instead of a pull (or a hang) at run time;
 *   pulling is a separate, explicit step with progress.
 * - `--log-driver none`: the engine would otherwise copy everything the code prints into a log file on the host
 *   (json-file, k8s-file) for the lifetime of the container; output is read from the attached pipes only.
 * - `spec.channel` (podman only): `--preserve-fds 1`, so the descriptor the client was given as fd 3 reaches the
 *   container's process as its fd 3.
 * - No `--init`: the runtime is PID 1 and is always ended with SIGKILL (`rm -f`), so no signal forwarding is
 *   needed, and orphaned grandchildren are bounded by the pids limit and vanish with the container.
 * - podman only: `--http-proxy=false` (podman otherwise copies the host's proxy variables into the container),
 *   `--read-only-tmpfs=false` (podman otherwise mounts writable, exec-able tmpfs on /var/tmp and /run even with
 *   `--read-only`), `--image-volume ignore` (no writable volumes from the image's VOLUME entries), and
 *   `--unsetenv` of the TERM and `container` variables it adds, so both engines give the same environment:
 *   the image's variables, HOME, HOSTNAME and `spec.env`, and nothing from the host.
 * - docker only: the tmpfs mounts are owned by the numeric container user (`uid=`/`gid=`), since docker resets
 *   the working directory's mode to 0755 root; and a bare `--env NAME` for each of `PROXY_VARIABLES`, which keeps
 *   the docker CLI from adding its configured proxies (the adapter runs the client without these variables, so
 *   nothing is copied from the host).
 *
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` for a value that could not be passed safely (naming it:
 * `spec.limits.memory`, `spec.env key`, …).
 */
export function buildRunArgs(spec: ContainerSpec, options: BuildRunArgsOptions): string[] {
  const { engine } = options;
  if (engine !== 'podman' && engine !== 'docker')
    throw invalidOption('engine', String(engine), 'podman or docker');
  const image = validateImage(spec.image, 'spec.image');
  const limits = validateLimits(spec.limits, (key) => `spec.limits.${key}`);
  if (!NAME_PART.test(spec.name)) {
    throw invalidOption('spec.name', spec.name, 'a container name such as codexec-<id>');
  }
  if (spec.command.length === 0)
    throw invalidOption('spec.command', '[]', 'a command such as ["python3", "-c", "…"]');
  const workdir = checkWorkdir(spec.workdir);

  const args = [
    'run',
    '--interactive',
    '--rm',
    '--pull',
    'never',
    '--log-driver',
    'none',
    '--name',
    spec.name,
  ];

  const labels = { ...spec.labels, [LABEL_MANAGED]: 'true' };
  for (const [key, value] of Object.entries(labels)) {
    if (!/^[\w.\-/]+$/.test(key) || /[\r\n]/.test(value)) {
      throw invalidOption(
        `spec.labels["${key}"]`,
        value,
        'a key of letters, digits, ".", "-", "_", "/" and a one-line value',
      );
    }
    args.push('--label', `${key}=${value}`);
  }

  args.push(
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    limits.user,
    '--memory',
    limits.memory,
    '--memory-swap',
    limits.memory,
    '--pids-limit',
    String(limits.pids),
    '--ulimit',
    `nofile=${limits.nofile}:${limits.nofile}`,
    '--ulimit',
    `nproc=${limits.nproc}:${limits.nproc}`,
  );
  if (limits.cpus !== undefined) args.push('--cpus', limits.cpus);
  if (limits.ociRuntime !== undefined) args.push('--runtime', limits.ociRuntime);

  const owner = engine === 'docker' ? tmpfsOwner(limits.user) : '';
  const mounts: [string, string][] = [
    ['/tmp', limits.tmpSize],
    [workdir, limits.workspaceSize],
  ];
  if (workdir === '/tmp') mounts.pop();
  for (const [path, size] of mounts) {
    args.push('--tmpfs', `${path}:rw,noexec,nosuid,nodev,size=${size},mode=1777${owner}`);
  }
  args.push('--workdir', workdir);

  if (spec.channel) {
    if (engine !== 'podman') {
      throw invalidOption(
        'spec.channel',
        'true',
        'false: only podman can pass a descriptor into a container',
      );
    }
    args.push('--preserve-fds', '1');
  }

  const env = spec.env ?? {};
  if (engine === 'podman') {
    args.push('--http-proxy=false', '--read-only-tmpfs=false', '--image-volume', 'ignore');
    for (const added of ['TERM', 'container']) if (!(added in env)) args.push('--unsetenv', added);
  }
  if (engine === 'docker') {
    for (const name of PROXY_VARIABLES) if (!(name in env)) args.push('--env', name);
  }
  // Always KEY=VALUE: a bare `--env KEY` would copy the host's value into the container.
  for (const [key, value] of checkedEnv(env)) args.push('--env', `${key}=${value}`);

  args.push(image, ...spec.command);
  return args;
}

/**
 * The working directory of the code, `CONTAINER_WORKDIR` by default: an absolute path without spaces, commas or
 * colons, which would end the engine's tmpfs option it is written into. Pods take the same paths.
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` naming `spec.workdir`.
 */
export function checkWorkdir(workdir: string | undefined): string {
  const path = workdir ?? CONTAINER_WORKDIR;
  if (!path.startsWith('/') || /[\s,:]/.test(path)) {
    throw invalidOption('spec.workdir', path, 'an absolute path without spaces, commas or colons');
  }
  return path;
}

/**
 * The entries of `spec.env`, each a variable name such as PYTHONHASHSEED and a value without NUL characters (which
 * no process can receive).
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` naming `spec.env key` or `spec.env.<KEY>`.
 */
export function checkedEnv(env: Record<string, string>): [string, string][] {
  const entries = Object.entries(env);
  for (const [key, value] of entries) {
    if (!ENV_KEY.test(key))
      throw invalidOption(`spec.env key`, key, 'a variable name such as PYTHONHASHSEED');
    if (value.includes('\0')) throw invalidOption(`spec.env.${key}`, value, 'a value without NUL characters');
  }
  return entries;
}

/** `,uid=U,gid=G` for a numeric `uid[:gid]` user, else nothing (a name is resolved by the image, not here). */
function tmpfsOwner(user: string): string {
  const match = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!match) return '';
  return match[2] === undefined ? `,uid=${match[1]}` : `,uid=${match[1]},gid=${match[2]}`;
}
