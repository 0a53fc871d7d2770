/** Every setting of the bridge in one table: its variable, flag, default, parser, and the library option it sets. */
import { DEFAULT_IMAGE, DEFAULT_LIMITS, parseRuntimeChoice, validateImage } from '@codexec/container-runtime';
import {
  DEFAULT_MAX_MEMORY_TOTAL_BYTES,
  DEFAULT_MAX_MEMORY_VALUE_BYTES,
  DEFAULT_MAX_SESSIONS,
  MAX_POOL_SIZE,
  RECOMMENDED_POOL_SIZE,
} from '@codexec/sandbox';
import { DEFAULT_MAX_CHARS, MIN_MAX_CHARS, OUTPUT_MODES } from '@codexec/toon-output';
import {
  boolean,
  bytes,
  checkedBy,
  duration,
  integer,
  isLoopbackHost,
  kubernetesName,
  limit,
  list,
  nonEmpty,
  oneOf,
  pathList,
} from './setting-parsers.js';

import type { LogLevel, OutputMode, SessionMode, Settings } from './settings.js';

/** The largest HTTP request body, as the SDK's own Streamable HTTP transport reads when it parses one itself. */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Calls in flight per upstream server. Code that fans out with `asyncio.gather` is the point of the sandbox; a
 * stdio or HTTP server multiplexes JSON-RPC requests, so the bridge allows more than the pool's library default.
 */
export const DEFAULT_UPSTREAM_CONCURRENCY = 32;

export interface SettingSpec<K extends keyof Settings = keyof Settings> {
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

/** Every setting, in the order help and the README list them. The single source of their names and defaults. */
export const SETTINGS: readonly SettingSpec[] = [
  spec({
    key: 'runtime',
    env: 'MCP_BRIDGE_RUNTIME',
    flag: 'runtime',
    shown: 'auto',
    default: 'auto',
    option: 'runtime',
    description:
      'Container engine: podman, docker, a path to either, auto (podman first), or kubernetes (a pod per container, in the cluster and namespace of KUBECONFIG or the in-cluster account)',
    parse: (raw) => {
      try {
        parseRuntimeChoice(raw);
      } catch {
        throw 'expected podman, docker, kubernetes, auto, or the path of a podman or docker binary';
      }
      return raw.trim().toLowerCase() === 'auto' ? 'auto' : raw.trim();
    },
  }),
  spec({
    key: 'engineHost',
    env: 'MCP_BRIDGE_ENGINE_HOST',
    flag: 'engine-host',
    shown: 'local engine',
    description:
      "Address of a remote engine (unix://, tcp://, ssh://): podman's --url, docker's --host. CONTAINER_HOST and DOCKER_HOST work too; the direct channel is off there",
    parse: (raw) => {
      const value = raw.trim();
      if (!/^(unix|tcp|ssh|npipe):\/\/\S+$/.test(value))
        throw 'expected an address such as unix:///run/podman/podman.sock, tcp://10.0.0.2:2376 or ssh://user@host';
      return value;
    },
  }),
  spec({
    key: 'engineConnection',
    env: 'MCP_BRIDGE_ENGINE_CONNECTION',
    flag: 'engine-connection',
    shown: 'local engine',
    description:
      'A podman connection (`podman system connection list`) or docker context (`docker context ls`) to run containers on',
    parse: (raw) => {
      const value = raw.trim();
      if (!/^[\w.@-]+$/.test(value)) throw 'expected the name of a podman connection or docker context';
      return value;
    },
  }),
  spec({
    key: 'kubeNamespace',
    env: 'MCP_BRIDGE_KUBE_NAMESPACE',
    flag: 'kube-namespace',
    shown: "the kubeconfig context's",
    option: 'namespace',
    description: 'Kubernetes: namespace of the sandbox pods (the one whose NetworkPolicy isolates them)',
    parse: (raw) => {
      const value = raw.trim();
      if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value))
        throw 'expected a namespace name: lower-case letters, digits and -, at most 63';
      return value;
    },
  }),
  spec({
    key: 'kubeconfig',
    env: 'MCP_BRIDGE_KUBECONFIG',
    flag: 'kubeconfig',
    shown: 'KUBECONFIG, ~/.kube/config, in-cluster',
    option: 'kubeconfig',
    description: 'Kubernetes: the kubeconfig file to use',
    parse: nonEmpty('the path of a kubeconfig file'),
  }),
  spec({
    key: 'kubeContext',
    env: 'MCP_BRIDGE_KUBE_CONTEXT',
    flag: 'kube-context',
    shown: 'current context',
    option: 'context',
    description: 'Kubernetes: the context of the kubeconfig to use',
    parse: nonEmpty('the name of a kubeconfig context'),
  }),
  spec({
    key: 'kubeRuntimeClass',
    env: 'MCP_BRIDGE_KUBE_RUNTIME_CLASS',
    flag: 'kube-runtime-class',
    shown: "the cluster's default",
    option: 'runtimeClassName',
    description: 'Kubernetes: RuntimeClass of the sandbox pods (gvisor, kata, …: `kubectl get runtimeclass`)',
    parse: kubernetesName('a RuntimeClass name'),
  }),
  spec({
    key: 'kubePullPolicy',
    env: 'MCP_BRIDGE_KUBE_PULL_POLICY',
    flag: 'kube-pull-policy',
    shown: 'IfNotPresent',
    default: 'IfNotPresent',
    option: 'imagePullPolicy',
    description: 'Kubernetes: when the nodes pull the image (Always, IfNotPresent, Never)',
    parse: (raw) => {
      const value = ['Always', 'IfNotPresent', 'Never'].find(
        (p) => p.toLowerCase() === raw.trim().toLowerCase(),
      );
      if (!value) throw 'expected Always, IfNotPresent or Never';
      return value as Settings['kubePullPolicy'];
    },
  }),
  spec({
    key: 'kubeNetworkPolicy',
    env: 'MCP_BRIDGE_KUBE_NETWORK_POLICY',
    flag: 'kube-network-policy',
    shown: 'ensure',
    default: 'ensure',
    option: 'networkPolicy',
    description:
      'Kubernetes: ensure (check that a NetworkPolicy cuts sandbox pods off, create one if none), require (check only), off',
    parse: oneOf('ensure', 'require', 'off'),
  }),
  spec({
    key: 'kubeOwnerPod',
    env: 'MCP_BRIDGE_KUBE_OWNER_POD',
    flag: 'kube-owner-pod',
    shown: 'none',
    option: 'ownerPod',
    description:
      "Kubernetes: the bridge's own pod, in the sandbox pods' namespace; it then owns them, and the cluster deletes them when it goes",
    parse: kubernetesName('the name of a pod'),
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
    parse: oneOf<OutputMode>(...OUTPUT_MODES),
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
    shown: String(RECOMMENDED_POOL_SIZE),
    default: RECOMMENDED_POOL_SIZE,
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
    shown: 'auto',
    default: 'auto',
    option: 'directChannel',
    description:
      "Talk to the code over a socket passed into the container: tool calls take about a quarter less time. auto: wherever the engine can (local podman on Linux); 0 never; where it cannot, or a container fails to start with it, the engine's stdio is used",
    parse: (raw) => {
      if (raw.trim().toLowerCase() === 'auto') return 'auto';
      try {
        return boolean(raw);
      } catch {
        throw 'expected auto, true or false (1/0, yes/no, on/off)';
      }
    },
  }),
  spec({
    key: 'policyFile',
    env: 'MCP_BRIDGE_POLICY',
    flag: 'policy',
    shown: '-',
    description:
      'A tool policy file, JSON or TOML (allow, deny, read_only, max_tool_calls, max_calls_in_flight, rate_limits); the variables below add to it',
    parse: nonEmpty('the path of a policy file'),
  }),
  spec({
    key: 'allowTools',
    env: 'MCP_BRIDGE_ALLOW_TOOLS',
    flag: 'allow-tools',
    multiple: true,
    shown: '-',
    default: [],
    description:
      'Only these tools may be seen and called: `server.tool` patterns, `*` for any run of characters (comma-separated; the flag may repeat)',
    parse: list,
  }),
  spec({
    key: 'denyTools',
    env: 'MCP_BRIDGE_DENY_TOOLS',
    flag: 'deny-tools',
    multiple: true,
    shown: '-',
    default: [],
    description:
      'Tools that may not be seen or called, such as `*.delete_*` (comma-separated; the flag may repeat); deny wins over allow',
    parse: list,
  }),
  spec({
    key: 'readOnly',
    env: 'MCP_BRIDGE_READ_ONLY',
    flag: 'read-only',
    boolean: true,
    shown: 'false',
    description: 'Only tools their server marks read-only (`readOnlyHint: true`) may be seen and called',
    parse: boolean,
  }),
  spec({
    key: 'maxToolCalls',
    env: 'MCP_BRIDGE_MAX_TOOL_CALLS',
    flag: 'max-tool-calls',
    shown: 'no cap',
    description: 'Tool calls one run may make; the next raises ToolCallDenied in the code',
    parse: integer(1, 1_000_000),
  }),
  spec({
    key: 'maxCallsInFlight',
    env: 'MCP_BRIDGE_MAX_CALLS_IN_FLIGHT',
    flag: 'max-calls-in-flight',
    shown: 'no cap',
    description: 'Tool calls of one run in flight at once; more wait for their turn',
    parse: integer(1, 10_000),
  }),
  spec({
    key: 'console',
    env: 'MCP_BRIDGE_CONSOLE',
    flag: 'console',
    shown: 'off',
    description:
      'Serve the read-only console beside stdio at this loopback address (`PORT` or `127.0.0.1:PORT`; 0 picks a port); over HTTP it is always at /console',
    parse: (raw) => {
      const match = /^(?:(.+):)?(\d+)$/.exec(raw.trim());
      const host = match?.[1] ?? '127.0.0.1';
      const port = Number(match?.[2]);
      if (!match || port > 65535) throw 'expected PORT or HOST:PORT';
      if (!isLoopbackHost(host)) {
        throw 'expected a loopback address (127.0.0.1, ::1 or localhost): the console beside stdio is for this machine';
      }
      return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
    },
  }),
  spec({
    key: 'approval',
    env: 'MCP_BRIDGE_APPROVAL',
    flag: 'approval',
    shown: 'never',
    default: 'never',
    description:
      'Ask the user (MCP elicitation) before a tool call: never, destructive (tools not marked read-only whose server does not say destructiveHint: false), or all',
    parse: oneOf('never', 'destructive', 'all'),
  }),
  spec({
    key: 'approvalTimeoutMs',
    env: 'MCP_BRIDGE_APPROVAL_TIMEOUT',
    flag: 'approval-timeout',
    shown: '2m',
    default: 120_000,
    description:
      "How long a question waits for the user's answer (the run's and the call's clocks stop meanwhile); no answer denies the call",
    parse: duration,
  }),
  spec({
    key: 'auditLog',
    env: 'MCP_BRIDGE_AUDIT_LOG',
    flag: 'audit-log',
    shown: 'audit.jsonl in the state dir',
    description:
      'Where the audit trail of runs and tool calls is appended (one JSON line each); `off` keeps none',
    parse: (raw) => {
      const value = raw.trim();
      if (!value) throw 'expected a file path, or off';
      return ['off', '0', 'false', 'no', 'none'].includes(value.toLowerCase()) ? 'off' : value;
    },
  }),
  spec({
    key: 'auditArguments',
    env: 'MCP_BRIDGE_AUDIT_ARGUMENTS',
    flag: 'audit-arguments',
    boolean: true,
    shown: 'false',
    default: false,
    description:
      'Keep the arguments of tool calls in the audit trail, secrets redacted (otherwise only their size and hash)',
    parse: boolean,
  }),
  spec({
    key: 'auditMaxBytes',
    env: 'MCP_BRIDGE_AUDIT_MAX_BYTES',
    flag: 'audit-max-bytes',
    shown: '10m',
    default: 10 * 1024 * 1024,
    description: 'Size at which the audit trail is rotated (3 older files are kept)',
    parse: bytes(64 * 1024, 1024 * 1024 * 1024),
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
export const DEFAULTS = Object.fromEntries(
  SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.key, s.default]),
) as Omit<Settings, 'home' | 'cwd'>;
