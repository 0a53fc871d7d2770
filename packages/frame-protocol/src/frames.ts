import { z } from 'zod';

/**
 * The wire format between the host and the Python runtime inside the container. Every frame is one JSON object on
 * one line (NDJSON), with a `type` field. PROTOCOL.md is the prose spec; this file is its executable form.
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

/** Methods the runtime asks of the host. */
export const RuntimeMethod = z.enum([
  'tools/call',
  'servers/list',
  'servers/describe',
  'tools/query',
  'tools/search',
  'memory/get',
  'memory/save',
  'memory/delete',
  'memory/list',
  'skills/save',
  'skills/list',
  'skills/delete',
  'run/attach',
]);
export type RuntimeMethod = z.infer<typeof RuntimeMethod>;

/** Methods the host asks of the runtime. */
export const HostMethod = z.enum(['ping']);
export type HostMethod = z.infer<typeof HostMethod>;

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
// Params and results of the runtime's methods (validated by the host before it acts).

export const ToolCallParams = z.object({
  server: z.string().min(1),
  tool: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
  timeoutMs: z.number().int().positive().optional(),
});
export type ToolCallParams = z.infer<typeof ToolCallParams>;

/** The MCP `CallToolResult` shape, passed through as the upstream returned it. */
export const ToolCallResult = z.looseObject({
  content: z.array(z.record(z.string(), z.unknown())).default([]),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});
export type ToolCallResult = z.infer<typeof ToolCallResult>;

export const ListServersParams = z.object({});
export type ListServersParams = z.infer<typeof ListServersParams>;

export const ListServersResult = z.object({
  servers: z.array(
    z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      /** Whether the server's tools were sent in this run's `execute` frame. */
      loaded: z.boolean(),
      /** Number of tools, when the host knows it without starting the server. */
      toolCount: z.number().int().nonnegative().optional(),
    }),
  ),
});
export type ListServersResult = z.infer<typeof ListServersResult>;

export const DescribeServerParams = z.object({ server: z.string().min(1) });
export type DescribeServerParams = z.infer<typeof DescribeServerParams>;

export const DescribeServerResult = ServerMeta;
export type DescribeServerResult = z.infer<typeof DescribeServerResult>;

/** `summary`: server, tool and description. `full`: also title, schemas and annotations. */
export const ToolDocDetail = z.enum(['summary', 'full']);
export type ToolDocDetail = z.infer<typeof ToolDocDetail>;

/** Documentation of one tool, as `tools/query` and `tools/search` return it. */
export const ToolDoc = z.object({
  server: z.string().min(1),
  tool: z.string().min(1),
  description: z.string().optional(),
  title: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type ToolDoc = z.infer<typeof ToolDoc>;

/**
 * The doc of one tool at a detail level: `summary` has server, tool and description (left out when empty); `full`
 * adds the title, the input schema (`{ type: 'object' }` when the tool gives none: it takes no arguments), the
 * output schema and the annotations. Pure; the one builder of this record on the host side.
 */
export function toolDoc(server: string, tool: ToolMeta, detail: ToolDocDetail): ToolDoc {
  const doc: ToolDoc = { server, tool: tool.name };
  if (tool.description) doc.description = tool.description;
  if (detail === 'summary') return doc;
  if (tool.title) doc.title = tool.title;
  doc.inputSchema = tool.inputSchema ?? { type: 'object' };
  if (tool.outputSchema) doc.outputSchema = tool.outputSchema;
  if (tool.annotations) doc.annotations = tool.annotations;
  return doc;
}

export const QueryToolsParams = z.object({
  server: z.string().min(1),
  tool: z.string().optional(),
  detail: ToolDocDetail.default('summary'),
});
export type QueryToolsParams = z.infer<typeof QueryToolsParams>;

export const QueryToolsResult = z.object({ tools: z.array(ToolDoc) });
export type QueryToolsResult = z.infer<typeof QueryToolsResult>;

export const SearchToolsParams = z.object({
  query: z.string(),
  limit: z.number().int().positive().max(100).default(5),
  detail: ToolDocDetail.default('summary'),
});
export type SearchToolsParams = z.infer<typeof SearchToolsParams>;

export const SearchToolsResult = z.object({
  /** Best match first. */
  results: z.array(
    ToolDoc.extend({
      /** Always present in search results (empty when the tool has none). */
      description: z.string(),
      /** Relevance, higher is better; only comparable within one result list. */
      score: z.number().optional(),
    }),
  ),
});
export type SearchToolsResult = z.infer<typeof SearchToolsResult>;

/**
 * A memory key: a name, never a path. 1 to 200 characters, no `/` or `\\`, no control characters (NUL included),
 * not `.` or `..`. Both sides check it; the host's store is the authority.
 */
function isMemoryName(key: string): boolean {
  if (key === '.' || key === '..') return false;
  for (const char of key) {
    const code = char.codePointAt(0)!;
    if (char === '/' || char === '\\' || code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

export const MemoryKey = z
  .string()
  .min(1, 'a memory key must not be empty')
  .max(200, 'a memory key has at most 200 characters')
  .refine((key) => isMemoryName(key), {
    message: 'a memory key is a name, not a path: no "/", "\\", control characters, "." or ".."',
  });
export type MemoryKey = z.infer<typeof MemoryKey>;

/** What the store knows of one memory besides its value. Times are ISO 8601 strings. */
export const MemoryInfo = z.object({
  key: z.string(),
  /** Bytes of the value as UTF-8 JSON. */
  size: z.number().int().nonnegative(),
  created: z.string(),
  updated: z.string(),
});
export type MemoryInfo = z.infer<typeof MemoryInfo>;

export const MemoryGetParams = z.object({
  key: MemoryKey,
  /** false: only whether it exists and its info (`memory_exists`, `get_memory_info`). */
  withValue: z.boolean().default(true),
});
export type MemoryGetParams = z.infer<typeof MemoryGetParams>;

export const MemoryGetResult = z.object({
  found: z.boolean(),
  value: z.unknown().optional(),
  info: MemoryInfo.optional(),
});
export type MemoryGetResult = z.infer<typeof MemoryGetResult>;

export const MemorySaveParams = z.object({
  key: MemoryKey,
  value: z.unknown(),
  /**
   * `save`: create or replace. `update`: the key must exist (`NOT_FOUND` otherwise); when the stored value and the
   * new one are both objects, the new keys are merged into the stored ones, else the value is replaced.
   */
  mode: z.enum(['save', 'update']).default('save'),
});
export type MemorySaveParams = z.infer<typeof MemorySaveParams>;

export const MemorySaveResult = MemoryInfo;
export type MemorySaveResult = z.infer<typeof MemorySaveResult>;

export const MemoryDeleteParams = z.object({ key: MemoryKey });
export type MemoryDeleteParams = z.infer<typeof MemoryDeleteParams>;
export const MemoryDeleteResult = z.object({ deleted: z.boolean() });
export type MemoryDeleteResult = z.infer<typeof MemoryDeleteResult>;

export const MemoryListParams = z.object({ prefix: z.string().max(200).default('') });
export type MemoryListParams = z.infer<typeof MemoryListParams>;
export const MemoryListResult = z.object({
  /** Sorted by key. */
  memories: z.array(MemoryInfo),
  /** Entries that could not be read (a corrupt file), with why; the others are listed. */
  problems: z.array(z.object({ key: z.string().optional(), message: z.string() })).optional(),
});
export type MemoryListResult = z.infer<typeof MemoryListResult>;

/** An upstream tool a saved tool calls: by server name, or by the alias the code wrote (`mcp_<alias>`). */
export const SkillUse = z.object({
  server: z.string().min(1).optional(),
  alias: z.string().min(1).optional(),
  tool: z.string().min(1),
});
export type SkillUse = z.infer<typeof SkillUse>;

export const SkillsSaveParams = z.object({
  name: z.string().min(1).max(100),
  description: z.string().max(4000).optional(),
  source: z.string().min(1).max(1_000_000),
  /** The function's parameters as Python shows them: `(repo, limit=10)`. */
  signature: z.string().max(2000).optional(),
  async: z.boolean().default(false),
  uses: z.array(SkillUse).max(200).default([]),
});
export type SkillsSaveParams = z.infer<typeof SkillsSaveParams>;

/** A saved tool as listed: no source. */
export const SkillSummary = z.object({
  name: z.string(),
  description: z.string().optional(),
  signature: z.string().optional(),
  async: z.boolean(),
  /** `server.tool` of every upstream tool it calls, as resolved when it was saved. */
  uses: z.array(z.string()),
  stale: z.string().optional(),
  created: z.string(),
  updated: z.string(),
});
export type SkillSummary = z.infer<typeof SkillSummary>;

export const SkillsSaveResult = SkillSummary;
export type SkillsSaveResult = z.infer<typeof SkillsSaveResult>;
export const SkillsListParams = z.object({});
export type SkillsListParams = z.infer<typeof SkillsListParams>;
export const SkillsListResult = z.object({ skills: z.array(SkillSummary) });
export type SkillsListResult = z.infer<typeof SkillsListResult>;
export const SkillsDeleteParams = z.object({ name: z.string().min(1).max(100) });
export type SkillsDeleteParams = z.infer<typeof SkillsDeleteParams>;
export const SkillsDeleteResult = z.object({ deleted: z.boolean() });
export type SkillsDeleteResult = z.infer<typeof SkillsDeleteResult>;

/** A file the code hands back with the run's result (`runtime.attach`, `runtime.show`). */
export const AttachParams = z.object({
  /** A file name for the client: no path. */
  name: z.string().min(1).max(255),
  mimeType: z.string().min(1).max(255),
  /** The bytes, base64. */
  data: z.string(),
});
export type AttachParams = z.infer<typeof AttachParams>;
export const AttachResult = z.object({ size: z.number().int().nonnegative() });
export type AttachResult = z.infer<typeof AttachResult>;

export const PingParams = z.object({});
export type PingParams = z.infer<typeof PingParams>;
export const PingResult = z.object({});
export type PingResult = z.infer<typeof PingResult>;

// ---------------------------------------------------------------------------------------------------------------
// Method tables: the params and result schema of every method, by the side that serves it.

export interface MethodSchema {
  params: z.ZodType<Record<string, unknown>>;
  result: z.ZodType;
}

/** Methods the runtime calls and the host serves. */
export const RuntimeMethods = {
  'tools/call': { params: ToolCallParams, result: ToolCallResult },
  'servers/list': { params: ListServersParams, result: ListServersResult },
  'servers/describe': { params: DescribeServerParams, result: DescribeServerResult },
  'tools/query': { params: QueryToolsParams, result: QueryToolsResult },
  'tools/search': { params: SearchToolsParams, result: SearchToolsResult },
  'memory/get': { params: MemoryGetParams, result: MemoryGetResult },
  'memory/save': { params: MemorySaveParams, result: MemorySaveResult },
  'memory/delete': { params: MemoryDeleteParams, result: MemoryDeleteResult },
  'memory/list': { params: MemoryListParams, result: MemoryListResult },
  'skills/save': { params: SkillsSaveParams, result: SkillsSaveResult },
  'skills/list': { params: SkillsListParams, result: SkillsListResult },
  'skills/delete': { params: SkillsDeleteParams, result: SkillsDeleteResult },
  'run/attach': { params: AttachParams, result: AttachResult },
} as const satisfies Record<RuntimeMethod, MethodSchema>;
export type RuntimeMethods = typeof RuntimeMethods;

/** Methods the host calls and the runtime serves. */
export const HostMethods = {
  ping: { params: PingParams, result: PingResult },
} as const satisfies Record<HostMethod, MethodSchema>;
export type HostMethods = typeof HostMethods;

// ---------------------------------------------------------------------------------------------------------------
// Limits.

/** Default maximum length of one frame line in bytes, without its newline. Both sides enforce it. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** The runtime splits captured output into `stdout`/`stderr` frames of at most this many characters. */
export const MAX_OUTPUT_CHUNK_CHARS = 64 * 1024;
