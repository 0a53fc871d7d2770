import { ContainerRuntimeError } from './errors.js';
import type { ContainerSummary, EngineInfo } from './runtime.js';

/** Parsers of the engines' machine-readable output. Pure: they take the text a command printed. */

type Json = Record<string, unknown>;

function parseJson(text: string, what: string, engine: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ContainerRuntimeError(
      'COMMAND_FAILED',
      `\`${what}\` printed something that is not JSON (${JSON.stringify(text.slice(0, 120))}). ` +
        `Check that "${engine}" is really ${engine} and up to date.`,
      { cause, engine },
    );
  }
}

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * `podman info --format json`.
 * @throws {ContainerRuntimeError} `COMMAND_FAILED` when the text is not JSON.
 */
export function parsePodmanInfo(text: string, command = 'podman'): EngineInfo {
  const info = asObject(parseJson(text, 'podman info --format json', 'podman'));
  const host = asObject(info.host);
  const security = asObject(host.security);
  const version = asObject(info.version);
  const oci = asObject(host.ociRuntime);
  const ociName = asString(oci.name);
  const cgroup = asString(host.cgroupVersion)?.replace(/^v/, '');
  const controllers = Array.isArray(host.cgroupControllers) ? host.cgroupControllers.map(String) : undefined;
  // A remote client's info says so, with the socket it reached; a local one names its own (unused) API socket.
  const remote = host.serviceIsRemote === true;
  const socket = asString(asObject(host.remoteSocket).path);
  return {
    engine: 'podman',
    command,
    version: asString(version.Version) ?? 'unknown',
    rootless: security.rootless === true,
    // Podman reports only the runtime it uses by default; others are chosen per container with --runtime.
    ociRuntimes: ociName ? [ociName] : [],
    defaultOciRuntime: ociName,
    cgroupVersion: cgroup,
    ...(controllers ? { cgroupControllers: controllers } : {}),
    remote,
    ...(remote && socket ? { address: socket } : {}),
  };
}

/**
 * `docker info --format '{{json .}}'`. The client prints this even when it could not reach the daemon, with the
 * failure in `ServerErrors`: that is an engine that does not answer.
 * @throws {ContainerRuntimeError} `ENGINE_NOT_RESPONDING` for such output, `COMMAND_FAILED` when it is not JSON.
 */
export function parseDockerInfo(text: string, command = 'docker'): EngineInfo {
  const info = asObject(parseJson(text, "docker info --format '{{json .}}'", 'docker'));
  const serverErrors = Array.isArray(info.ServerErrors) ? info.ServerErrors.map(String) : [];
  if (serverErrors.length > 0 || !asString(info.ServerVersion)) {
    throw new ContainerRuntimeError(
      'ENGINE_NOT_RESPONDING',
      `The Docker daemon did not answer: ${serverErrors.join('; ') || 'no server version in `docker info`'}. ` +
        'Start it (Docker Desktop, or `sudo systemctl start docker` / `dockerd`), or check that you may use its socket.',
      { engine: 'docker', stderr: serverErrors.join('\n') },
    );
  }
  const security = Array.isArray(info.SecurityOptions) ? info.SecurityOptions.map(String) : [];
  const runtimes = Object.keys(asObject(info.Runtimes)).filter((name) => !name.startsWith('io.containerd.'));
  return {
    engine: 'docker',
    command,
    version: asString(info.ServerVersion)!,
    rootless: security.some((option) => option.split(',').includes('name=rootless')),
    ociRuntimes: runtimes.sort(),
    defaultOciRuntime: asString(info.DefaultRuntime),
    cgroupVersion: asString(info.CgroupVersion),
    // The daemon says which limits its kernel supports rather than listing controllers.
    cgroupControllers: [
      ...(info.MemoryLimit === true ? ['memory'] : []),
      ...(info.PidsLimit === true ? ['pids'] : []),
      ...(info.CpuCfsQuota === true ? ['cpu'] : []),
    ],
  };
}

/** `docker context inspect --format '{{json .Endpoints.docker.Host}}'`: the daemon's address, if it printed one. */
export function parseDockerAddress(text: string): string | undefined {
  try {
    const host: unknown = JSON.parse(text.trim());
    return typeof host === 'string' && host !== '' ? host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `podman ps -a --format json`: one JSON array, labels as an object, names as an array.
 * @throws {ContainerRuntimeError} `COMMAND_FAILED` when the text is not JSON.
 */
export function parsePodmanContainers(text: string): ContainerSummary[] {
  if (text.trim() === '') return [];
  const list = parseJson(text, 'podman ps -a --format json', 'podman');
  if (!Array.isArray(list)) return [];
  return list.map((entry) => {
    const item = asObject(entry);
    const names = Array.isArray(item.Names) ? item.Names.map(String) : [];
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(asObject(item.Labels))) labels[key] = String(value);
    return {
      id: asString(item.Id) ?? asString(item.ID) ?? '',
      name: names[0] ?? asString(item.Names) ?? '',
      labels,
      state: asString(item.State) ?? 'unknown',
      image: asString(item.Image),
    };
  });
}

/**
 * `docker ps -a --no-trunc --format '{{json .}}'`: one JSON object per line, labels as one `k=v,k=v` string,
 * names as a comma-separated string.
 * @throws {ContainerRuntimeError} `COMMAND_FAILED` for a line that is not JSON.
 */
export function parseDockerContainers(text: string): ContainerSummary[] {
  const out: ContainerSummary[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const item = asObject(parseJson(line, "docker ps -a --format '{{json .}}'", 'docker'));
    out.push({
      id: asString(item.ID) ?? '',
      name: (asString(item.Names) ?? '').split(',')[0]!,
      labels: parseDockerLabels(asString(item.Labels) ?? ''),
      state: asString(item.State) ?? 'unknown',
      image: asString(item.Image),
    });
  }
  return out;
}

/**
 * Docker joins labels as `k=v,k=v` without escaping, so a comma inside a value is ambiguous. A part without `=`
 * continues the previous value; a part with `=` starts a new label. Label filters run in the engine, so this only
 * affects the labels shown, never which containers match.
 */
export function parseDockerLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let last: string | undefined;
  for (const part of text.split(',')) {
    if (part === '' && last === undefined) continue;
    const eq = part.indexOf('=');
    if (eq > 0) {
      last = part.slice(0, eq);
      labels[last] = part.slice(eq + 1);
    } else if (last !== undefined) {
      labels[last] += `,${part}`;
    }
  }
  return labels;
}
