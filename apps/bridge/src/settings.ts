import {
  type ContainerLimits,
  checkLimit,
  DEFAULT_IMAGE,
  DEFAULT_LIMITS,
  isContainerRuntimeError,
  parseRuntimeChoice,
  parseSize,
  validateImage,
} from '@codexec/container-runtime';
import {
  DEFAULT_MAX_MEMORY_TOTAL_BYTES,
  DEFAULT_MAX_MEMORY_VALUE_BYTES,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_POOL_SIZE,
  MAX_POOL_SIZE,
} from '@codexec/sandbox';
import { DEFAULT_MAX_CHARS, MIN_MAX_CHARS } from '@codexec/toon-output';
import { formatDuration, parseDuration } from './duration.js';
import { BridgeError } from './errors.js';

/** The largest HTTP request body, as the SDK's own Streamable HTTP transport reads when it parses one itself. */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Calls in flight per upstream server. Code that fans out with `asyncio.gather` is the point of the sandbox; a
 * stdio or HTTP server multiplexes JSON-RPC requests, so the bridge allows more than the pool's library default.
 */
export const DEFAULT_UPSTREAM_CONCURRENCY = 32;

export type OutputMode = 'toon' | 'compact' | 'json';
export type SessionMode = 'persistent' | 'fresh';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type RequireLimits = 'off' | 'on' | 'cgroup';

/** Everything the bridge can be told, resolved from flags, then `MCP_BRIDGE_*` variables, then defaults. */
export interface Settings {
  /** Which container engine to use: `auto` (podman, then docker), `podman`, `docker`, or a path to either. */
  runtime: string;
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
  directChannel: boolean;
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

/** Raw flag values as `node:util` parseArgs returns them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

interface SettingSpec<K extends keyof Settings = keyof Settings> {
  key: K;
  env?: string;
  flag?: string;
  /** Flags without a value (`--http`). */
  boolean?: boolean;
  /** Flags given several times, or a list in the variable. */
  multiple?: boolean;
  /** The default as a person reads it, for help and the README. */
  shown: string;
  /** The value when neither the flag nor the variable is given; none leaves it undefined. */
  default?: Settings[K];
  /**
   * The library option this setting becomes (`limits.memory`, `image`): the libraries name their options in
   * messages, and the bridge says the variable instead (`inBridgeTerms`).
   */
  option?: string;
  description: string;
  /** Turns the raw text into the value; throws a string saying what was expected. */
  parse: (raw: string) => Settings[K];
}

function spec<K extends keyof Settings>(s: SettingSpec<K>): SettingSpec {
  return s as unknown as SettingSpec;
}

function duration(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined) throw 'expected a duration such as 30, 30s, 2m or 500ms';
  return ms;
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
      throw `expected a whole number from ${min} to ${max}`;
    return n;
  };
}

function bytes(min: number, max: number) {
  return (raw: string): number => {
    const value = parseSize(raw);
    if (value === undefined || value < min || value > max) throw 'expected a size such as 512k, 1m or 64m';
    return value;
  };
}

function oneOf<T extends string>(...choices: T[]) {
  return (raw: string): T => {
    const value = raw.trim().toLowerCase() as T;
    if (!choices.includes(value)) throw `expected one of ${choices.join(', ')}`;
    return value;
  };
}

function boolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw 'expected true or false (1/0, yes/no, on/off)';
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function pathList(raw: string): string[] {
  // Paths may contain commas; the platform's path list separator cannot appear in a path on the same platform.
  return raw
    .split(process.platform === 'win32' ? ';' : ':')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A value the container runtime package checks itself: one set of rules, and its words for what is expected. */
function checkedBy<T>(check: (raw: string) => T) {
  return (raw: string): T => {
    try {
      return check(raw);
    } catch (error) {
      if (isContainerRuntimeError(error, 'INVALID_SETTING') && error.expected)
        throw `expected ${error.expected}`;
      throw error;
    }
  };
}

function limit<K extends keyof ContainerLimits>(key: K) {
  return checkedBy((raw) => checkLimit(key, raw));
}

function nonEmpty(what: string) {
  return (raw: string): string => {
    const value = raw.trim();
    if (!value) throw `expected ${what}`;
    return value;
  };
}

/** Every setting, in the order help and the README list them. The single source of their names and defaults. */
export const SETTINGS: readonly SettingSpec[] = [
  spec({
    key: 'runtime',
    env: 'MCP_BRIDGE_RUNTIME',
    flag: 'runtime',
    shown: 'auto',
    default: 'auto',
    option: 'runtime',
    description: 'Container engine: podman, docker, a path to either, or auto (podman first)',
    parse: (raw) => {
      try {
        parseRuntimeChoice(raw);
      } catch {
        throw 'expected podman, docker, auto, or the path of a podman or docker binary';
      }
      return raw.trim().toLowerCase() === 'auto' ? 'auto' : raw.trim();
    },
  }),
  spec({
    key: 'image',
    env: 'MCP_BRIDGE_IMAGE',
    flag: 'image',
    shown: DEFAULT_IMAGE,
    default: DEFAULT_IMAGE,
    option: 'image',
    description: 'Image the code runs in (needs python3); must be on the machine: see `image pull`',
    parse: checkedBy((raw) => validateImage(raw)),
  }),
  spec({
    key: 'timeoutMs',
    env: 'MCP_BRIDGE_TIMEOUT',
    flag: 'timeout',
    shown: '30s',
    default: 30_000,
    description: 'Timeout of a run when the call gives none',
    parse: duration,
  }),
  spec({
    key: 'maxTimeoutMs',
    env: 'MCP_BRIDGE_MAX_TIMEOUT',
    flag: 'max-timeout',
    shown: '120s',
    default: 120_000,
    description: 'Largest `timeout` a call may ask for',
    parse: duration,
  }),
  spec({
    key: 'memory',
    env: 'MCP_BRIDGE_MEMORY',
    flag: 'memory',
    shown: DEFAULT_LIMITS.memory,
    option: 'limits.memory',
    description: 'Memory limit of the container (swap is set equal, so it cannot swap)',
    parse: limit('memory'),
  }),
  spec({
    key: 'pids',
    env: 'MCP_BRIDGE_PIDS',
    flag: 'pids',
    shown: String(DEFAULT_LIMITS.pids),
    option: 'limits.pids',
    description: 'Process limit of the container',
    parse: limit('pids'),
  }),
  spec({
    key: 'cpus',
    env: 'MCP_BRIDGE_CPUS',
    flag: 'cpus',
    shown: '-',
    option: 'limits.cpus',
    description: 'CPU limit of the container (e.g. 1.5); none by default',
    parse: limit('cpus'),
  }),
  spec({
    key: 'containerUser',
    env: 'MCP_BRIDGE_CONTAINER_USER',
    flag: 'container-user',
    shown: DEFAULT_LIMITS.user,
    option: 'limits.user',
    description: 'uid:gid the code runs as',
    parse: limit('user'),
  }),
  spec({
    key: 'ociRuntime',
    env: 'MCP_BRIDGE_OCI_RUNTIME',
    flag: 'oci-runtime',
    shown: 'engine default',
    option: 'limits.ociRuntime',
    description: "OCI runtime (runc, crun, runsc for gVisor, kata); the engine's own by default",
    parse: limit('ociRuntime'),
  }),
  spec({
    key: 'nofile',
    env: 'MCP_BRIDGE_NOFILE',
    flag: 'nofile',
    shown: String(DEFAULT_LIMITS.nofile),
    option: 'limits.nofile',
    description: 'RLIMIT_NOFILE of the container (open files), soft = hard',
    parse: limit('nofile'),
  }),
  spec({
    key: 'nproc',
    env: 'MCP_BRIDGE_NPROC',
    flag: 'nproc',
    shown: String(DEFAULT_LIMITS.nproc),
    option: 'limits.nproc',
    description:
      'RLIMIT_NPROC of the container, soft = hard (counted per uid on the host, so above the process limit)',
    parse: limit('nproc'),
  }),
  spec({
    key: 'tmpSize',
    env: 'MCP_BRIDGE_TMP_SIZE',
    flag: 'tmp-size',
    shown: DEFAULT_LIMITS.tmpSize,
    option: 'limits.tmpSize',
    description: 'Size of the /tmp tmpfs (whole number, k/m/g)',
    parse: limit('tmpSize'),
  }),
  spec({
    key: 'workspaceSize',
    env: 'MCP_BRIDGE_WORKSPACE_SIZE',
    flag: 'workspace-size',
    shown: DEFAULT_LIMITS.workspaceSize,
    option: 'limits.workspaceSize',
    description: 'Size of the /workspace tmpfs (whole number, k/m/g)',
    parse: limit('workspaceSize'),
  }),
  spec({
    key: 'requireLimits',
    env: 'MCP_BRIDGE_REQUIRE_LIMITS',
    flag: 'require-limits',
    shown: 'off',
    default: 'off',
    option: 'requireLimits',
    description:
      'Refuse to run code where a container limit does not hold: 1 (held by cgroups or the rlimit fallback; only a CPU quota has none), cgroup (held by cgroups), 0 (run, and say so)',
    parse: (raw) => {
      const value = raw.trim().toLowerCase();
      if (value === 'cgroup' || value === 'cgroups') return 'cgroup';
      try {
        return boolean(value) ? 'on' : 'off';
      } catch {
        throw 'expected 1 (on), 0 (off) or cgroup';
      }
    },
  }),
  spec({
    key: 'idleTimeoutMs',
    env: 'MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT',
    flag: 'idle-timeout',
    shown: '300s',
    default: 300_000,
    description:
      'How long an idle session keeps its container and state, and a warm container waits for code, before removal',
    parse: duration,
  }),
  spec({
    key: 'session',
    env: 'MCP_BRIDGE_SESSION',
    flag: 'session',
    shown: 'persistent',
    default: 'persistent',
    description:
      'persistent: variables, imports and files stay between runs of a client (one session per connection, more by name); fresh: a new container per run',
    parse: oneOf<SessionMode>('persistent', 'fresh'),
  }),
  spec({
    key: 'maxSessions',
    env: 'MCP_BRIDGE_MAX_SESSIONS',
    flag: 'max-sessions',
    shown: String(DEFAULT_MAX_SESSIONS),
    default: DEFAULT_MAX_SESSIONS,
    option: 'sessions.max',
    description:
      'Sessions holding a container at once; past it the least recently used idle one is closed, and runs wait when all are busy',
    parse: integer(1, 1024),
  }),
  spec({
    key: 'stateDir',
    env: 'MCP_BRIDGE_STATE_DIR',
    flag: 'state-dir',
    shown: '-',
    description:
      'Where memory and saved tools are kept, one folder per project (never mounted into containers); a per-user state directory by default',
    parse: nonEmpty('a directory path'),
  }),
  spec({
    key: 'memoryMaxValueBytes',
    env: 'MCP_BRIDGE_MEMORY_MAX_VALUE',
    flag: 'memory-max-value',
    shown: '1m',
    default: DEFAULT_MAX_MEMORY_VALUE_BYTES,
    description: 'Largest value save_memory may store (bytes of JSON; 512k, 1m, ...)',
    parse: bytes(1, 1024 ** 3),
  }),
  spec({
    key: 'memoryMaxTotalBytes',
    env: 'MCP_BRIDGE_MEMORY_MAX_TOTAL',
    flag: 'memory-max-total',
    shown: '64m',
    default: DEFAULT_MAX_MEMORY_TOTAL_BYTES,
    description: "Largest total of a project's memories",
    parse: bytes(1, 64 * 1024 ** 3),
  }),
  spec({
    key: 'outputMode',
    env: 'MCP_BRIDGE_OUTPUT_MODE',
    flag: 'output-mode',
    shown: 'toon',
    default: 'toon',
    description: 'Text form of results: toon, compact or json',
    parse: oneOf<OutputMode>('toon', 'compact', 'json'),
  }),
  spec({
    key: 'maxOutputChars',
    env: 'MCP_BRIDGE_MAX_OUTPUT_CHARS',
    flag: 'max-output-chars',
    shown: String(DEFAULT_MAX_CHARS),
    default: DEFAULT_MAX_CHARS,
    description: 'Cap on the text of one result; longer output is cut with a marker saying how much',
    parse: integer(MIN_MAX_CHARS, 10_000_000),
  }),
  spec({
    key: 'logLevel',
    env: 'MCP_BRIDGE_LOG_LEVEL',
    flag: 'log-level',
    shown: 'info',
    default: 'info',
    description: 'Log level on stderr: debug, info, warn, error or silent',
    parse: oneOf<LogLevel>('debug', 'info', 'warn', 'error', 'silent'),
  }),
  spec({
    key: 'poolSize',
    env: 'MCP_BRIDGE_POOL_SIZE',
    flag: 'pool-size',
    shown: String(DEFAULT_POOL_SIZE),
    default: DEFAULT_POOL_SIZE,
    description:
      'Containers kept started and waiting for code, each used for one run only; 0 starts one per run',
    parse: integer(0, MAX_POOL_SIZE),
  }),
  spec({
    key: 'upstreamConcurrency',
    env: 'MCP_BRIDGE_UPSTREAM_CONCURRENCY',
    flag: 'upstream-concurrency',
    shown: String(DEFAULT_UPSTREAM_CONCURRENCY),
    default: DEFAULT_UPSTREAM_CONCURRENCY,
    description: 'Tool calls in flight to one upstream server at a time; more wait in a queue',
    parse: integer(1, 1024),
  }),
  spec({
    key: 'directChannel',
    env: 'MCP_BRIDGE_DIRECT_CHANNEL',
    flag: 'direct-channel',
    boolean: true,
    shown: 'false',
    default: false,
    description:
      "Talk to the code over a socket passed into the container (local podman on Linux): tool calls take about a quarter less time; elsewhere the engine's stdio is used",
    parse: boolean,
  }),
  spec({
    key: 'allowSelfServer',
    env: 'MCP_BRIDGE_ALLOW_SELF_SERVER',
    flag: 'allow-self-server',
    boolean: true,
    shown: 'false',
    default: false,
    description:
      'Keep config entries that start this bridge itself (found by name, and by the files their command, arguments or `npm start` lead to); normally left out, with a warning, to avoid recursion',
    parse: boolean,
  }),
  spec({
    key: 'serversConfig',
    env: 'MCP_BRIDGE_SERVERS_CONFIG',
    flag: 'servers-config',
    multiple: true,
    shown: '-',
    default: [],
    description: 'Extra MCP config files to read first (a `:`-separated list; the flag may repeat)',
    parse: pathList,
  }),
  spec({
    key: 'http',
    flag: 'http',
    boolean: true,
    shown: 'off',
    default: false,
    description: 'Serve Streamable HTTP instead of stdio',
    parse: boolean,
  }),
  spec({
    key: 'httpHost',
    env: 'MCP_BRIDGE_HTTP_HOST',
    flag: 'host',
    shown: '127.0.0.1',
    default: '127.0.0.1',
    description: 'Address the HTTP server binds; anything but loopback needs a token',
    parse: nonEmpty('a host name or address'),
  }),
  spec({
    key: 'httpPort',
    env: 'MCP_BRIDGE_HTTP_PORT',
    flag: 'port',
    shown: '8931',
    default: 8931,
    description: 'Port of the HTTP server (0 picks a free one and logs it)',
    parse: integer(0, 65535),
  }),
  spec({
    key: 'httpToken',
    env: 'MCP_BRIDGE_HTTP_TOKEN',
    flag: 'token',
    shown: '-',
    description: 'Bearer token every HTTP request must carry (at least 16 characters)',
    parse: (raw) => {
      const value = raw.trim();
      if (value.length < 16 || /\s/.test(value)) {
        throw 'expected at least 16 characters without spaces (e.g. the output of `openssl rand -hex 32`)';
      }
      return value;
    },
  }),
  spec({
    key: 'httpSessionTimeoutMs',
    env: 'MCP_BRIDGE_HTTP_SESSION_TIMEOUT',
    flag: 'http-session-timeout',
    shown: '1h',
    default: 3_600_000,
    description:
      'An HTTP client session without a request for this long is ended, with its sandbox sessions (the client initializes again)',
    parse: duration,
  }),
  spec({
    key: 'httpMaxBodyBytes',
    env: 'MCP_BRIDGE_HTTP_MAX_BODY',
    flag: 'http-max-body',
    shown: '4m',
    default: DEFAULT_HTTP_MAX_BODY_BYTES,
    description:
      'Largest HTTP request body (a run_python call with its program); a larger one is refused with 413',
    parse: bytes(1024, 1024 ** 3),
  }),
  spec({
    key: 'httpAllowedHosts',
    env: 'MCP_BRIDGE_HTTP_ALLOWED_HOSTS',
    flag: 'allowed-host',
    multiple: true,
    shown: 'loopback names',
    default: [],
    description: 'Host header names accepted besides the bind address (comma-separated; the flag may repeat)',
    parse: list,
  }),
  spec({
    key: 'httpAllowedOrigins',
    env: 'MCP_BRIDGE_HTTP_ALLOWED_ORIGINS',
    flag: 'allowed-origin',
    multiple: true,
    shown: '-',
    default: [],
    description: 'Browser origins accepted besides the allowed hosts (comma-separated; the flag may repeat)',
    parse: list,
  }),
  spec({
    key: 'home',
    flag: 'home',
    shown: '$HOME',
    description: 'Home directory whose client configs are discovered',
    parse: nonEmpty('a directory path'),
  }),
  spec({
    key: 'cwd',
    flag: 'cwd',
    shown: 'current directory',
    description: 'Project directory whose configs are discovered',
    parse: nonEmpty('a directory path'),
  }),
];

/** The defaults, from the same table as help and the README. */
const DEFAULTS = Object.fromEntries(
  SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.key, s.default]),
) as Omit<Settings, 'home' | 'cwd'>;

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

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
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
