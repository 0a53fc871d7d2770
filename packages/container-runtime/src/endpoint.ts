import type { EngineName } from './runtime.js';

/**
 * Where an engine's CLI sends its requests, as its arguments and environment say: the engine's own default on this
 * machine, an address (`unix://`, `tcp://`, `ssh://`), or a named podman connection or docker context.
 */
export interface EngineEndpoint {
  /** `local`: the CLI's default (podman's own storage, docker's default socket or current context). */
  kind: 'local' | 'address' | 'connection' | 'context' | 'machine';
  /** The address, connection or context name; undefined for `local`, `machine`, and `--remote` with no address. */
  value?: string | undefined;
  /** What chose it: a flag (`--url`), a variable (`CONTAINER_HOST`), `podman-remote`, or `default`. */
  source: string;
  /**
   * Whether the CLI is a client of an engine reached through its API, which may be on another machine: its
   * containers share no files or descriptors with this process. False only for the local default.
   */
  remote: boolean;
}

export interface EndpointInput {
  engine: EngineName;
  /** The CLI binary: a name on PATH or a path. */
  command: string;
  globalArgs: readonly string[];
  /** The environment the CLI runs with. */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
}

/** Flags of each CLI that pick an endpoint: what they pick, and whether a value follows. */
const FLAGS: Record<EngineName, Record<string, { kind: EngineEndpoint['kind']; takesValue: boolean }>> = {
  podman: {
    '--url': { kind: 'address', takesValue: true },
    '--connection': { kind: 'connection', takesValue: true },
    '-c': { kind: 'connection', takesValue: true },
    '--remote': { kind: 'address', takesValue: false },
    '-r': { kind: 'address', takesValue: false },
  },
  docker: {
    '--host': { kind: 'address', takesValue: true },
    '-H': { kind: 'address', takesValue: true },
    '--context': { kind: 'context', takesValue: true },
    '-c': { kind: 'context', takesValue: true },
  },
  // The Kubernetes adapter has no CLI: its endpoint is the kubeconfig's server (`createKubernetesRuntime`).
  kubernetes: {},
};

/** The variables each CLI reads, in the order it prefers them. */
const VARIABLES: Record<EngineName, [string, EngineEndpoint['kind']][]> = {
  podman: [
    ['CONTAINER_HOST', 'address'],
    ['CONTAINER_CONNECTION', 'connection'],
  ],
  docker: [
    ['DOCKER_HOST', 'address'],
    ['DOCKER_CONTEXT', 'context'],
  ],
  kubernetes: [],
};

/**
 * The endpoint the CLI will use, from its global arguments, its environment and its name: a flag wins over a
 * variable, an address over a connection or context (as both CLIs order them). Docker's `default` context is
 * local. Podman elsewhere than Linux is always a client of its machine. Pure: what a config file or
 * `docker context use` chose is known only once the engine answers (`EngineInfo.endpoint`).
 */
export function engineEndpoint(input: EndpointInput): EngineEndpoint {
  const flags = FLAGS[input.engine];
  const chosen: EngineEndpoint[] = [];
  const args = input.globalArgs;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const equals = arg.indexOf('=');
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    const flag = flags[name];
    if (!flag) continue;
    const value = !flag.takesValue ? undefined : equals > 0 ? arg.slice(equals + 1) : args[++i];
    chosen.push(endpointOf(flag.kind, value, name));
  }
  for (const [variable, kind] of VARIABLES[input.engine]) {
    const value = input.env[variable]?.trim();
    if (value) chosen.push(endpointOf(kind, value, variable));
  }
  const byPreference = chosen.find((e) => e.kind === 'address') ?? chosen[0];
  if (byPreference) return byPreference;
  if (input.engine === 'podman') {
    if (/remote(\.exe)?$/i.test(input.command))
      return { kind: 'address', source: 'podman-remote', remote: true };
    if (input.platform !== 'linux') return { kind: 'machine', source: 'podman machine', remote: true };
  }
  return { kind: 'local', source: 'default', remote: false };
}

function endpointOf(kind: EngineEndpoint['kind'], value: string | undefined, source: string): EngineEndpoint {
  if (kind === 'context' && value === 'default') return { kind: 'local', source, remote: false };
  return { kind, value, source, remote: true };
}

/** The endpoint in words, for messages: `unix:///run/x.sock (CONTAINER_HOST)`, `the context "prod"`. Pure. */
export function describeEndpoint(endpoint: EngineEndpoint): string {
  const what =
    endpoint.kind === 'local'
      ? 'the local engine'
      : endpoint.kind === 'machine'
        ? 'the podman machine'
        : endpoint.kind === 'connection'
          ? `the connection "${endpoint.value}"`
          : endpoint.kind === 'context'
            ? `the context "${endpoint.value}"`
            : (endpoint.value ?? 'the default remote socket');
  return endpoint.source === 'default' || endpoint.source === 'podman machine'
    ? what
    : `${what} (${endpoint.source})`;
}
