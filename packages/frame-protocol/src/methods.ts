import { z } from 'zod';
import { ServerMeta, type ToolMeta } from './frames.js';

/**
 * The methods a `request` frame can call, by the side that serves them: the params and result schema of each, as
 * PROTOCOL.md describes them. The channel validates params before a handler runs and results both ways.
 */

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
