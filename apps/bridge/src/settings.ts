import type { OutputMode } from '@codexec/toon-output';
import { formatDuration } from './duration.js';
import { BridgeError } from './errors.js';
import { isLoopbackHost } from './setting-parsers.js';
import { DEFAULTS, SETTINGS, type SettingSpec } from './settings-table.js';

export { isLoopbackHost } from './setting-parsers.js';
export { DEFAULT_HTTP_MAX_BODY_BYTES, DEFAULT_UPSTREAM_CONCURRENCY, SETTINGS } from './settings-table.js';
export type { OutputMode };
export type SessionMode = 'persistent' | 'fresh';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type RequireLimits = 'off' | 'on' | 'cgroup';
export type ApprovalMode = 'never' | 'destructive' | 'all';

/** Everything the bridge can be told, resolved from flags, then `MCP_BRIDGE_*` variables, then defaults. */
export interface Settings {
  /** Which container engine to use: `auto` (podman, then docker), `podman`, `docker`, or a path to either. */
  runtime: string;
  /** Address of the engine to use instead of the local one: podman's `--url`, docker's `--host`. */
  engineHost?: string | undefined;
  /** A podman connection or docker context to use instead of the local engine. */
  engineConnection?: string | undefined;
  /** Kubernetes (runtime `kubernetes` only): the sandbox pods' namespace; default the kubeconfig context's. */
  kubeNamespace?: string | undefined;
  /** Kubernetes: a kubeconfig file; default KUBECONFIG, ~/.kube/config, then the in-cluster account. */
  kubeconfig?: string | undefined;
  /** Kubernetes: a context of the kubeconfig; default its current one. */
  kubeContext?: string | undefined;
  /** Kubernetes: the RuntimeClass of sandbox pods (gVisor, Kata). */
  kubeRuntimeClass?: string | undefined;
  /** Kubernetes: the image pull policy of sandbox pods. */
  kubePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Kubernetes: check, create or trust the NetworkPolicy that cuts sandbox pods off the network. */
  kubeNetworkPolicy: 'ensure' | 'require' | 'off';
  /** Kubernetes: the pod the bridge runs in, which then owns its sandbox pods. */
  kubeOwnerPod?: string | undefined;
  image: string;
  /** Timeout of a run when the call does not give one. */
  timeoutMs: number;
  /** Upper bound of the `timeout` argument of `run_python`. */
  maxTimeoutMs: number;
  /** Container limits; undefined keeps the hardened default of the container runtime package. */
  memory?: string | undefined;
  pids?: number | undefined;
  cpus?: string | undefined;
  containerUser?: string | undefined;
  ociRuntime?: string | undefined;
  nofile?: number | undefined;
  nproc?: number | undefined;
  tmpSize?: string | undefined;
  workspaceSize?: string | undefined;
  /**
   * Refuse to run code where a limit does not hold: `off` (run, and say so in the log and `doctor`), `on` (each
   * limit held by cgroups or the runtime's rlimit fallback), `cgroup` (each held by cgroups).
   */
  requireLimits: RequireLimits;
  /** How long an idle session keeps its container and state, and a warm container waits for code. */
  idleTimeoutMs: number;
  /** `persistent`: runs of a client share state (sessions); `fresh`: every run in a new container. */
  session: SessionMode;
  /** Sessions holding a container at once. */
  maxSessions: number;
  /** Where memory and saved tools are kept, per project; the platform's per-user state directory by default. */
  stateDir?: string | undefined;
  /** Largest value of one memory, in bytes of JSON. */
  memoryMaxValueBytes: number;
  /** Largest total of a project's memories. */
  memoryMaxTotalBytes: number;
  outputMode: OutputMode;
  maxOutputChars: number;
  logLevel: LogLevel;
  /** Number of containers kept started and waiting for code. */
  poolSize: number;
  /** Tool calls in flight to one upstream server at a time; more wait in a queue. */
  upstreamConcurrency: number;
  /** Frames over a socket passed into the container (local podman on Linux), not the engine's stdio relay. */
  directChannel: boolean | 'auto';
  /** A tool policy file (JSON or TOML); the settings below add to it or override it. */
  policyFile?: string | undefined;
  /** `server.tool` patterns of the only tools allowed (empty: all). */
  allowTools: string[];
  /** `server.tool` patterns of tools refused; deny wins over allow. */
  denyTools: string[];
  /** Only tools marked read-only by their server; undefined leaves it to the policy file. */
  readOnly?: boolean | undefined;
  /** Tool calls one run may make. */
  maxToolCalls?: number | undefined;
  /** Tool calls of one run in flight at once. */
  maxCallsInFlight?: number | undefined;
  /** The console's loopback address beside stdio; undefined: none (over HTTP it is at /console). */
  console?: { host: string; port: number } | undefined;
  /** Which tool calls wait for the user's approval, asked through MCP elicitation. */
  approval: ApprovalMode;
  /** How long an approval question waits for an answer. */
  approvalTimeoutMs: number;
  /** The audit trail's file, or `off`; undefined: `audit.jsonl` in the project's state directory. */
  auditLog?: string | undefined;
  /** Keep tool call arguments (secrets redacted) in the audit trail. */
  auditArguments: boolean;
  /** Size at which the audit trail is rotated. */
  auditMaxBytes: number;
  allowSelfServer: boolean;
  /** Extra config files handed to discovery, read before the clients' own files. */
  serversConfig: string[];
  http: boolean;
  httpHost: string;
  httpPort: number;
  httpToken?: string | undefined;
  /** An HTTP client session without a request for this long is ended, with its sandbox sessions. */
  httpSessionTimeoutMs: number;
  /** Largest HTTP request body, in bytes. */
  httpMaxBodyBytes: number;
  /** Host header names accepted besides the bind address (DNS rebinding protection). */
  httpAllowedHosts: string[];
  /** Origin header values accepted besides the allowed hosts. */
  httpAllowedOrigins: string[];
  /** Home directory and working directory discovery reads configs from. */
  home: string;
  cwd: string;
}

/** The settings that mean something only to the Kubernetes runtime. */
const KUBERNETES_SETTINGS = [
  'kubeNamespace',
  'kubeconfig',
  'kubeContext',
  'kubeRuntimeClass',
  'kubePullPolicy',
  'kubeNetworkPolicy',
  'kubeOwnerPod',
] as const satisfies readonly (keyof Settings)[];

/** Raw flag values as `node:util` parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * A message of a library in the bridge's terms: the options it names (`` `limits.memory` ``, `` `image` ``) become
 * the variables that set them (`MCP_BRIDGE_MEMORY`). Pure.
 */
export function inBridgeTerms(message: string): string {
  let out = message;
  for (const s of SETTINGS) {
    if (!s.option || !s.env) continue;
    out = out.replaceAll(`\`${s.option}\``, `${s.env}`);
  }
  return out;
}

/** parseArgs option definitions of every setting flag, for the commands that accept settings. */
export function settingFlags(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const s of SETTINGS) {
    if (!s.flag) continue;
    options[s.flag] = s.boolean
      ? { type: 'boolean' }
      : s.multiple
        ? { type: 'string', multiple: true }
        : { type: 'string' };
  }
  return options;
}

export interface ResolveSettingsInput {
  env: Record<string, string | undefined>;
  flags?: FlagValues;
  /** Defaults of `home` and `cwd`, found by the caller (the edge that may touch the OS). */
  home: string;
  cwd: string;
}

/**
 * Resolves every setting: a flag wins over its variable, the variable over the default. Pure. Throws
 * `BridgeError('INVALID_SETTING')` naming the flag or variable and the value it could not use.
 */
export function resolveSettings(input: ResolveSettingsInput): Settings {
  const flags = input.flags ?? {};
  const values: Record<string, unknown> = { ...DEFAULTS, home: input.home, cwd: input.cwd };
  for (const s of SETTINGS) {
    const fromFlag = s.flag === undefined ? undefined : flags[s.flag];
    if (fromFlag !== undefined) {
      const raws = (Array.isArray(fromFlag) ? fromFlag : [fromFlag]).map((v) =>
        v === true ? 'true' : String(v),
      );
      const parsed = raws.map((raw) => parseOne(s, raw, `--${s.flag}${s.boolean ? '' : ` ${raw}`}`));
      values[s.key] = s.multiple ? parsed.flat() : parsed[parsed.length - 1];
      continue;
    }
    const fromEnv = s.env === undefined ? undefined : input.env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') values[s.key] = parseOne(s, fromEnv, `${s.env}=${fromEnv}`);
  }
  const settings = values as unknown as Settings;
  checkTogether(settings, flags);
  return settings;
}

function parseOne(s: SettingSpec, raw: string, shown: string): unknown {
  try {
    return s.parse(raw);
  } catch (problem) {
    const why =
      typeof problem === 'string' ? problem : problem instanceof Error ? problem.message : String(problem);
    throw new BridgeError('INVALID_SETTING', `Invalid setting ${quote(shown)}: ${why}.`);
  }
}

function quote(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function name(key: keyof Settings, flags: FlagValues): string {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) return key;
  if (s.flag && flags[s.flag] !== undefined) return `--${s.flag}`;
  return s.env ?? `--${s.flag}`;
}

function checkTogether(settings: Settings, flags: FlagValues): void {
  if (settings.timeoutMs > settings.maxTimeoutMs) {
    throw new BridgeError(
      'INVALID_SETTING',
      `Invalid settings: ${name('timeoutMs', flags)} (${formatDuration(settings.timeoutMs)}) is larger than ` +
        `${name('maxTimeoutMs', flags)} (${formatDuration(settings.maxTimeoutMs)}); lower the first or raise the second.`,
    );
  }
  if (settings.engineHost && settings.engineConnection) {
    throw new BridgeError(
      'INVALID_SETTING',
      `Invalid settings: ${name('engineHost', flags)} and ${name('engineConnection', flags)} both say where the ` +
        'engine is; set one of them.',
    );
  }
  const kubernetesOnly = KUBERNETES_SETTINGS.filter(
    (key) => settings[key] !== undefined && settings[key] !== DEFAULTS[key],
  );
  if (kubernetesOnly.length > 0 && settings.runtime.toLowerCase() !== 'kubernetes') {
    throw new BridgeError(
      'INVALID_SETTING',
      `Invalid settings: ${kubernetesOnly.map((key) => name(key, flags)).join(', ')} ${
        kubernetesOnly.length > 1 ? 'apply' : 'applies'
      } to Kubernetes only, and ${name('runtime', flags)} is ${settings.runtime}; set it to kubernetes, or unset ${
        kubernetesOnly.length > 1 ? 'them' : 'it'
      }.`,
    );
  }
  if (settings.maxTimeoutMs < 1000) {
    throw new BridgeError(
      'INVALID_SETTING',
      `Invalid setting ${name('maxTimeoutMs', flags)}: ${formatDuration(settings.maxTimeoutMs)} is below one second, ` +
        'the smallest timeout a call can ask for; use at least 1s.',
    );
  }
  if (settings.http && !isLoopbackHost(settings.httpHost) && !settings.httpToken) {
    throw new BridgeError(
      'INVALID_SETTING',
      `Refusing to serve HTTP on ${settings.httpHost} without a token: anything but a loopback address needs ` +
        'MCP_BRIDGE_HTTP_TOKEN or --token (e.g. `openssl rand -hex 32`).',
    );
  }
}

/** The largest `timeout` argument, in whole seconds, a call may give. */
export function maxTimeoutSeconds(settings: Pick<Settings, 'maxTimeoutMs'>): number {
  return Math.floor(settings.maxTimeoutMs / 1000);
}
