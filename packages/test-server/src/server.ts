import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { onAbort } from '@codexec/internal';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolResult,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { hugeText } from './huge-text.js';
import { generateTools } from './many-tools.js';
import type { TestServerOptions } from './options.js';

/** A cancellation the server saw: which request, after how long, and the reason the client gave. */
export interface CancellationRecord {
  tool: string;
  requestId: string | number;
  afterMs: number;
  reason: string;
}

/** What outlives one MCP session: in HTTP mode every session gets its own server, sharing this. */
export interface TestServerState {
  readonly startedAt: number;
  calls: number;
  cancellations: CancellationRecord[];
  child?: ChildProcess | undefined;
}

export function createState(): TestServerState {
  return { startedAt: Date.now(), calls: 0, cancellations: [] };
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Handler = (args: Record<string, unknown>, extra: Extra) => CallToolResult | Promise<CallToolResult>;

const VERSION = '0.0.0';

/** One MCP server with the test tools; `options` picks the modes (see USAGE). */
export function createTestServer(options: TestServerOptions, state: TestServerState): McpServer {
  const mcp = new McpServer({ name: options.name, version: VERSION });
  // The tools in registration order with their JSON schemas, for the paginated tools/list handler.
  const listed: Tool[] = [];

  const log = (line: string) => {
    if (options.chatter) process.stderr.write(`[${options.name} ${process.pid}] ${line}\n`);
  };

  const registered = new Map<string, { remove(): void }>();
  const define = (name: string, description: string, inputSchema: z.ZodObject, handler: Handler) => {
    listed.push({
      name,
      description,
      inputSchema: z.toJSONSchema(inputSchema, { io: 'input' }) as Tool['inputSchema'],
    });
    const tool = mcp.registerTool(
      name,
      { description, inputSchema },
      async (args: Record<string, unknown>, extra: Extra) => {
        state.calls += 1;
        log(`call #${state.calls} ${name}`);
        if (options.crashAfter !== undefined && state.calls > options.crashAfter) {
          process.stderr.write(
            `crash-after=${options.crashAfter}: exiting on call #${state.calls} (${name})\n`,
          );
          process.exit(3);
        }
        return handler(args, extra);
      },
    );
    registered.set(name, tool);
  };

  /** Waits for `ms` (forever when undefined) and records a cancellation if the client cancels first. */
  const wait = async (tool: string, ms: number | undefined, extra: Extra) => {
    const started = Date.now();
    try {
      await (ms === undefined
        ? new Promise((_resolve, reject) => onAbort(extra.signal, reject))
        : sleep(ms, undefined, { signal: extra.signal }));
    } catch (error) {
      if (!extra.signal.aborted) throw error;
      state.cancellations.push({
        tool,
        requestId: extra.requestId,
        afterMs: Date.now() - started,
        reason: String(extra.signal.reason ?? ''),
      });
      log(`${tool} request ${extra.requestId} cancelled after ${Date.now() - started} ms`);
      throw error;
    }
  };

  define(
    'echo',
    'Return the arguments, as JSON text and as structured content.',
    z.looseObject({}),
    (args) => ({
      content: [{ type: 'text', text: JSON.stringify(args) }],
      structuredContent: args,
    }),
  );

  define('add', 'Add two numbers.', z.object({ a: z.number(), b: z.number() }), ({ a, b }) => {
    const sum = (a as number) + (b as number);
    return { content: [{ type: 'text', text: String(sum) }], structuredContent: { sum } };
  });

  define(
    'slow',
    'Sleep for `ms` milliseconds, then answer. A cancellation is recorded (see last_cancelled).',
    z.object({ ms: z.number().int().min(0) }),
    async ({ ms }, extra) => {
      await wait('slow', ms as number, extra);
      return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
    },
  );

  define(
    'hang',
    'Never answer. A cancellation is recorded (see last_cancelled).',
    z.object({}),
    async (_args, extra) => {
      await wait('hang', undefined, extra);
      return { content: [] };
    },
  );

  define(
    'last_cancelled',
    'The cancellations this server process has seen, most recent last.',
    z.object({}),
    () => ({
      content: [{ type: 'text', text: JSON.stringify(state.cancellations) }],
      structuredContent: { count: state.cancellations.length, cancellations: state.cancellations },
    }),
  );

  define(
    'error',
    'Fail as a tool: the result has isError true.',
    z.object({ message: z.string().optional() }),
    ({ message }) => ({
      content: [{ type: 'text', text: (message as string | undefined) ?? 'the error tool failed, as asked' }],
      isError: true,
    }),
  );

  define(
    'pid',
    'The process id and working directory of this server (and its child in spawn-child mode).',
    z.object({}),
    () => {
      const info = {
        pid: process.pid,
        ppid: process.ppid,
        childPid: state.child?.pid ?? null,
        cwd: process.cwd(),
        calls: state.calls,
        startedAt: state.startedAt,
      };
      return { content: [{ type: 'text', text: JSON.stringify(info) }], structuredContent: info };
    },
  );

  define(
    'env',
    'The values of the named environment variables of this process (null when unset).',
    z.object({ names: z.array(z.string()) }),
    ({ names }) => {
      const values = Object.fromEntries((names as string[]).map((name) => [name, process.env[name] ?? null]));
      return { content: [{ type: 'text', text: JSON.stringify(values) }], structuredContent: values };
    },
  );

  define(
    'request_headers',
    'The HTTP headers of this request (empty over stdio).',
    z.object({}),
    (_args, extra) => {
      const headers = { ...(extra.requestInfo?.headers ?? {}) };
      return { content: [{ type: 'text', text: JSON.stringify(headers) }], structuredContent: headers };
    },
  );

  define(
    'request_meta',
    "The request's `_meta` (a caller's `traceparent`, for one), as the server received it.",
    z.object({}),
    (_args, extra) => {
      const meta = { ...(extra._meta ?? {}) };
      return { content: [{ type: 'text', text: JSON.stringify(meta) }], structuredContent: meta };
    },
  );

  define(
    'huge',
    'Return `mib` MiB (default 20) of deterministic text; structured content carries its length and SHA-256.',
    z.object({ mib: z.number().positive().optional() }),
    ({ mib }) => {
      const text = hugeText(Math.round(((mib as number | undefined) ?? 20) * 1024 * 1024));
      const sha256 = createHash('sha256').update(text).digest('hex');
      return { content: [{ type: 'text', text }], structuredContent: { bytes: text.length, sha256 } };
    },
  );

  define(
    'add_tool',
    'Register a new tool `name` that answers with its own name; clients get notifications/tools/list_changed.',
    z.object({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) }),
    ({ name }) => {
      const added = name as string;
      define(added, `A tool added at runtime: answers "${added}".`, z.object({}), () => ({
        content: [{ type: 'text', text: added }],
      }));
      return { content: [{ type: 'text', text: `added ${added}` }] };
    },
  );

  define(
    'remove_tool',
    'Remove the tool `name`; clients get notifications/tools/list_changed.',
    z.object({ name: z.string() }),
    ({ name }) => {
      const tool = registered.get(name as string);
      if (!tool) return { content: [{ type: 'text', text: `no tool ${String(name)}` }], isError: true };
      tool.remove();
      registered.delete(name as string);
      listed.splice(
        listed.findIndex((t) => t.name === name),
        1,
      );
      return { content: [{ type: 'text', text: `removed ${String(name)}` }] };
    },
  );

  define('crash', 'Exit the process at once with code 3, without answering.', z.object({}), () => {
    process.stderr.write('crash tool called: exiting with code 3\n');
    process.exit(3);
  });

  for (const tool of generateTools(options.manyTools)) {
    define(tool.name, tool.description, tool.inputSchema, (args) => ({
      content: [{ type: 'text', text: JSON.stringify({ tool: tool.name, args }) }],
    }));
  }

  if (options.pages > 1) {
    // McpServer answers tools/list in one page; replace that handler with one that pages through the same tools.
    mcp.server.setRequestHandler(ListToolsRequestSchema, (request) => {
      const size = Math.ceil(listed.length / options.pages);
      const start = request.params?.cursor === undefined ? 0 : decodeCursor(request.params.cursor);
      const end = start + size;
      return {
        tools: listed.slice(start, end),
        ...(end < listed.length ? { nextCursor: Buffer.from(`offset:${end}`).toString('base64url') } : {}),
      };
    });
  }
  return mcp;
}

function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new McpError(-32602, `Invalid cursor "${cursor}"`);
  return Number(match[1]);
}

/** Starts the long-lived child of spawn-child mode: it ignores stdin, so only a process-group kill ends it. */
export function spawnChild(state: TestServerState): void {
  state.child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
}
