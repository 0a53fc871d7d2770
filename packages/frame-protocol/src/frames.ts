import { z } from 'zod';

/**
 * The wire format between the host and the Python runtime inside the container. Every frame is one JSON object on
 * one line (NDJSON), with a `type` field. PROTOCOL.md is the prose spec; this file is its executable form.
 */
export const PROTOCOL_VERSION = 1;

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

export const ResponseFrame = z.union([
  z.object({ type: z.literal('response'), id: FrameId, result: z.unknown() }).strict(),
  z.object({ type: z.literal('response'), id: FrameId, error: ErrorObject }).strict(),
]);
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

export const ExecuteFrame = z.object({
  type: z.literal('execute'),
  id: FrameId,
  code: z.string(),
  servers: z.array(ServerMeta).default([]),
  /** Names of every server the host knows, loaded or not, for `discovered_servers()`. */
  discovered: z.array(z.string()).optional(),
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

export const HelloFrame = z.object({
  type: z.literal('hello'),
  protocol: z.number().int().positive(),
  python: z.string().optional(),
  pid: z.number().int().optional(),
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

export const DoneFrame = z.object({
  type: z.literal('done'),
  /** The id of the `execute` frame this ends. */
  id: FrameId,
  status: z.enum(['success', 'error']),
  value: RunValue.optional(),
  error: RunError.optional(),
  /** Number of tool calls the code made. */
  calls: z.number().int().nonnegative().optional(),
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

export const DescribeServerParams = z.object({ server: z.string().min(1) });
export const QueryToolsParams = z.object({
  server: z.string().min(1),
  tool: z.string().optional(),
  detail: z.enum(['summary', 'full']).default('summary'),
});
export const SearchToolsParams = z.object({
  query: z.string(),
  limit: z.number().int().positive().max(100).default(5),
  detail: z.enum(['summary', 'full']).default('summary'),
});
