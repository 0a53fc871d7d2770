import { z } from 'zod';

/**
 * The wire format between the host and the Python runtime inside the container. Every frame is one JSON object on
 * one line (NDJSON), with a `type` field. PROTOCOL.md is the prose spec; this file is its executable form for the
 * frames, and `methods.ts` for the params and results of the methods that `request` frames call.
 */
export const PROTOCOL_VERSION = 1;

/**
 * The protocol's minor revision, announced in `hello.revision`. Revisions add optional fields and methods only;
 * a host checks it before it relies on one. 2: `execute.persist` (sessions: many executes share one interpreter).
 * 3: `hello.limits` (what the kernel enforces in the container, and the runtime's fallbacks).
 */
export const PROTOCOL_REVISION = 3;

/** Correlates a request with its response or cancellation. Unique per sender for the life of a channel. */
export const FrameId = z.string().min(1).max(128);
export type FrameId = z.infer<typeof FrameId>;

// ---------------------------------------------------------------------------------------------------------------
// Tool metadata carried by `execute`, so the runtime can build proxies without a round trip.

export const ToolMeta = z.object({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type ToolMeta = z.infer<typeof ToolMeta>;

export const ServerMeta = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  tools: z.array(ToolMeta),
});
export type ServerMeta = z.infer<typeof ServerMeta>;

// ---------------------------------------------------------------------------------------------------------------
// Requests and responses (both directions).

export const RequestFrame = z.object({
  type: z.literal('request'),
  id: FrameId,
  method: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

export const ErrorObject = z.object({
  /** A stable machine-readable code, e.g. `TOOL_ERROR`, `TIMEOUT`, `UNKNOWN_METHOD`. */
  code: z.string().min(1),
  message: z.string(),
  data: z.unknown().optional(),
});
export type ErrorObject = z.infer<typeof ErrorObject>;

/**
 * Wire error codes with a defined meaning. `ErrorObject.code` accepts any non-empty string so that a newer peer can
 * add codes; a receiver treats an unknown code like `INTERNAL`.
 */
export const WireErrorCode = z.enum([
  /** The upstream tool failed (an MCP error, not a result with `isError`). */
  'TOOL_ERROR',
  /** The request took longer than its `timeoutMs` (or the serving side's own limit). */
  'TIMEOUT',
  /** The requester sent `cancel` for this request. */
  'CANCELLED',
  /** No handler for this method on the serving side. */
  'UNKNOWN_METHOD',
  /** `params` do not match the method's schema. */
  'INVALID_PARAMS',
  /** The named server is not known to the host. */
  'UNKNOWN_SERVER',
  /** The server is known but has no tool of that name. */
  'UNKNOWN_TOOL',
  /** The upstream server could not be reached or broke its connection. */
  'UPSTREAM_ERROR',
  /** The host's policy refused the call (`data.rule` names the rule); the runtime raises `ToolCallDenied`. */
  'DENIED',
  /** The answer would exceed the peer's maximum line length. */
  'FRAME_TOO_LARGE',
  /** Anything else; `message` says what. */
  'INTERNAL',
]);
export type WireErrorCode = z.infer<typeof WireErrorCode>;

/** The answer to a request that succeeded. `result` must be present (`null` when there is nothing to return). */
export const ResultResponseFrame = z
  .object({ type: z.literal('response'), id: FrameId, result: z.unknown() })
  .strict();
export type ResultResponseFrame = z.infer<typeof ResultResponseFrame>;

/** The answer to a request that failed. */
export const ErrorResponseFrame = z
  .object({ type: z.literal('response'), id: FrameId, error: ErrorObject })
  .strict();
export type ErrorResponseFrame = z.infer<typeof ErrorResponseFrame>;

export const ResponseFrame = z.union([ResultResponseFrame, ErrorResponseFrame]);
export type ResponseFrame = z.infer<typeof ResponseFrame>;

/** Either side withdraws a request it sent (or the host withdraws the running `execute`). */
export const CancelFrame = z.object({
  type: z.literal('cancel'),
  id: FrameId,
  reason: z.string().optional(),
});
export type CancelFrame = z.infer<typeof CancelFrame>;

// ---------------------------------------------------------------------------------------------------------------
// Host -> runtime.

/** A saved tool as the runtime loads it: its whole source (imports included) and what the host knows of it. */
export const SkillSource = z.object({
  /** A Python identifier: the function's name in the code's namespace and in `skills`. */
  name: z.string().min(1).max(100),
  description: z.string().optional(),
  /** Module source defining the function `name`, with the imports and constants it needs. */
  source: z.string(),
  /** Why it may no longer work (an upstream tool it calls disappeared or changed); absent when it is current. */
  stale: z.string().optional(),
});
export type SkillSource = z.infer<typeof SkillSource>;

export const ExecuteFrame = z.object({
  type: z.literal('execute'),
  id: FrameId,
  code: z.string(),
  servers: z.array(ServerMeta).default([]),
  /** Names of every server the host knows, loaded or not, for `discovered_servers()`. */
  discovered: z.array(z.string()).optional(),
  /**
   * Run in the runtime's persistent namespace (revision 2): globals, imports and functions of every earlier
   * `persist` execute are there, and this one's stay for the next. Without it the code gets a fresh `__main__`.
   */
  persist: z.boolean().optional(),
  /** Saved tools, loaded as plain names and as `skills.<name>` (revision 2). */
  skills: z.array(SkillSource).optional(),
  options: z
    .object({
      /** Default per-call timeout for proxied tool calls, in milliseconds. */
      callTimeoutMs: z.number().int().positive().optional(),
    })
    .default({}),
});
export type ExecuteFrame = z.infer<typeof ExecuteFrame>;

// ---------------------------------------------------------------------------------------------------------------
// Runtime -> host.

/**
 * How one limit holds in the container: by the engine's cgroup, by an rlimit the runtime set in its place, or not
 * at all. `effective` is the value in force (bytes, processes or CPUs).
 */
export const LimitEnforcement = z.object({
  requested: z.number().nonnegative(),
  enforcedBy: z.enum(['cgroup', 'rlimit', 'none']),
  effective: z.number().nonnegative().optional(),
  /** Memory by rlimit: bytes the runtime itself held when the limit was set (the limit is on top of them). */
  runtime: z.number().nonnegative().optional(),
  /** Memory by rlimit: the address-space backstop (covers shared mappings, which the data limit does not). */
  addressSpace: z.number().nonnegative().optional(),
});
export type LimitEnforcement = z.infer<typeof LimitEnforcement>;

/** The runtime's report of the limits it was asked for (`CODEXEC_LIMITS`), read from the kernel before any code ran. */
export const LimitsReport = z.object({
  /** The cgroup hierarchy the container sees: `v1`, `v2`, or null when none is mounted. */
  cgroup: z.enum(['v1', 'v2']).nullable(),
  memory: LimitEnforcement.optional(),
  pids: LimitEnforcement.optional(),
  cpus: LimitEnforcement.optional(),
  fileSize: LimitEnforcement.optional(),
});
export type LimitsReport = z.infer<typeof LimitsReport>;

export const HelloFrame = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().positive(),
  /** The minor revision the runtime implements (`PROTOCOL_REVISION`); absent means 1. */
  revision: z.number().int().positive().optional(),
  python: z.string().optional(),
  pid: z.number().int().optional(),
  /** Revision 3: how each limit asked for holds (absent when none was asked for). */
  limits: LimitsReport.optional(),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

export const OutputFrame = z.object({
  type: z.enum(['stdout', 'stderr']),
  data: z.string(),
});
export type OutputFrame = z.infer<typeof OutputFrame>;

export const RunValue = z.object({
  /** `repr()` of the value of the last expression. */
  repr: z.string(),
  /** The same value as JSON, when it is JSON-serialisable. */
  json: z.unknown().optional(),
});
export type RunValue = z.infer<typeof RunValue>;

export const RunError = z.object({
  /** The Python exception class name, e.g. `ZeroDivisionError`, `McpToolError`. */
  type: z.string(),
  message: z.string(),
  /** Formatted traceback with the runtime's own frames removed. */
  traceback: z.string().optional(),
});
export type RunError = z.infer<typeof RunError>;

export const DoneFrame = z
  .object({
    type: z.literal('done'),
    /** The id of the `execute` frame this ends. */
    id: FrameId,
    status: z.enum(['success', 'error']),
    value: RunValue.optional(),
    error: RunError.optional(),
    /** Number of tool calls the code made. */
    calls: z.number().int().nonnegative().optional(),
  })
  // A failed run always says why, and a successful one never carries an error.
  .refine((done) => (done.status === 'error') === (done.error !== undefined), {
    message: 'status "error" requires an `error` object, and status "success" must not carry one',
    path: ['error'],
  });
export type DoneFrame = z.infer<typeof DoneFrame>;

// ---------------------------------------------------------------------------------------------------------------
// The unions each side accepts.

export const HostToRuntimeFrame = z.union([ExecuteFrame, RequestFrame, ResponseFrame, CancelFrame]);
export type HostToRuntimeFrame = z.infer<typeof HostToRuntimeFrame>;

export const RuntimeToHostFrame = z.union([
  HelloFrame,
  OutputFrame,
  RequestFrame,
  ResponseFrame,
  CancelFrame,
  DoneFrame,
]);
export type RuntimeToHostFrame = z.infer<typeof RuntimeToHostFrame>;

/** Which way a frame travels. Each direction accepts its own set of frame types. */
export type FrameDirection = 'host_to_runtime' | 'runtime_to_host';

/** The frame types each direction accepts. A type outside the set is `UNKNOWN_FRAME_TYPE` for that direction. */
export const FRAME_TYPES = {
  host_to_runtime: ['execute', 'request', 'response', 'cancel'],
  runtime_to_host: ['hello', 'stdout', 'stderr', 'request', 'response', 'cancel', 'done'],
} as const satisfies Record<FrameDirection, readonly string[]>;

export const AnyFrame = z.union([
  HelloFrame,
  ExecuteFrame,
  OutputFrame,
  RequestFrame,
  ResponseFrame,
  CancelFrame,
  DoneFrame,
]);
export type AnyFrame = z.infer<typeof AnyFrame>;
export type FrameType = AnyFrame['type'];

// ---------------------------------------------------------------------------------------------------------------
// Limits.

/** Default maximum length of one frame line in bytes, without its newline. Both sides enforce it. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** The runtime splits captured output into `stdout`/`stderr` frames of at most this many characters. */
export const MAX_OUTPUT_CHUNK_CHARS = 64 * 1024;
