import {
  type FrameChannel,
  FrameProtocolError,
  type ServerMeta,
  type ToolCallResult,
  type ToolDoc,
  type ToolDocDetail,
  toolDoc,
  WireErrorCode,
} from '@codexec/frame-protocol';
import { linkedSignal, onAbort, untilAborted } from '@codexec/internal';
import { Deadline } from './deadline.js';
import type { Logger } from './logger.js';
import { SKILLS_SERVER } from './skills-host.js';

export interface ToolCallOptions {
  /** Aborted when the call times out, the code stops waiting for it, or the run ends. */
  signal: AbortSignal;
  /** The call's time budget; the sandbox answers `TIMEOUT` to the code when it runs out. */
  timeoutMs: number;
  /**
   * Stops the call's and the run's clocks while `work` is pending, and resolves as it does: for time that is not
   * the code's, such as a person deciding whether the call may go ahead.
   */
  pauseDeadlines<T>(work: Promise<T>): Promise<T>;
}

export interface DiscoveryOptions {
  signal: AbortSignal;
}

/** A server as `listServers` reports it. */
export interface ServerSummary {
  name: string;
  description?: string;
  /** Number of tools, when known without starting the server. */
  toolCount?: number;
}

export type SearchResult = ToolDoc & { description: string; score?: number };

/**
 * Everything the sandbox knows about tools: one required method to call a tool and optional discovery methods.
 * Plain callbacks are enough: nothing here is tied to MCP. A method that is left out makes the in-sandbox helper
 * fall back to the metadata of the run (`servers`).
 *
 * A method may throw an error with a string `code` from frame-protocol's wire codes (`UNKNOWN_SERVER`,
 * `UNKNOWN_TOOL`, `UPSTREAM_ERROR`, `DENIED`, ...) to choose the code the Python side sees (`MCPError.code`), and a
 * `data` value it sees as `MCPError.data` (`DENIED` with `{ rule }` raises `ToolCallDenied`); any other error
 * becomes `TOOL_ERROR` (calls) or `INTERNAL` (discovery). A tool that fails as a tool should instead return a
 * result with `isError: true`: the code then gets a `McpToolError` carrying the text.
 */
export interface ToolHost {
  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: ToolCallOptions,
  ): Promise<ToolCallResult>;
  /** Every server that can be used, loaded in this run or not. */
  listServers?(options: DiscoveryOptions): Promise<ServerSummary[]>;
  /** One server with its tools, or undefined when there is no such server. */
  describeServer?(server: string, options: DiscoveryOptions): Promise<ServerMeta | undefined>;
  /** Docs of a server's tools (or of one tool); derived from `describeServer` when left out. */
  queryTools?(
    server: string,
    options: DiscoveryOptions & { tool?: string | undefined; detail: ToolDocDetail },
  ): Promise<ToolDoc[]>;
  /** Tools of every server matching a query, best first. */
  searchTools?(
    query: string,
    options: DiscoveryOptions & { limit: number; detail: ToolDocDetail },
  ): Promise<SearchResult[]>;
}

export interface ServeToolHostOptions {
  toolHost: ToolHost | undefined;
  servers: readonly ServerMeta[];
  /** Budget of a call that names none. */
  callTimeoutMs: number;
  /** Aborted when the run ends: every call still pending is aborted with it. */
  runSignal: AbortSignal;
  /** The run's deadline, which `pauseDeadlines` stops with the call's own; none: only the call's. */
  runDeadline?: Deadline | undefined;
  onCall: () => void;
  logger: Logger;
  /**
   * Documentation of saved tools: `tools/query` of the server `skills` answers from it, and `tools/search` finds
   * them beside the servers' tools.
   */
  skillDocs?: ((signal: AbortSignal) => Promise<(ToolDoc & { description: string })[]>) | undefined;
}

function matchesWords(text: string, words: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return words.every((word) => lower.includes(word));
}

const WIRE_CODES: ReadonlySet<string> = new Set(WireErrorCode.options);

function wireError(error: unknown, fallback: WireErrorCode): FrameProtocolError {
  const { code: given, data } = (error ?? {}) as { code?: unknown; data?: unknown };
  // The packages' `ABORTED` is the wire's `CANCELLED` (what the Python side raises as a cancelled call).
  const code = given === 'ABORTED' ? 'CANCELLED' : given;
  const message = error instanceof Error ? error.message : String(error);
  const known = typeof code === 'string' && WIRE_CODES.has(code);
  return FrameProtocolError.remote({
    code: known ? code : fallback,
    message,
    // What the code may read of the error (`MCPError.data`), for a code the wire knows.
    ...(known && data !== undefined ? { data } : {}),
  });
}

/** Why the tool host aborted a call itself (its request's signal says so in `reason`). */
class CallTimeout extends Error {}
class RunEnded extends Error {}

/**
 * Serves the runtime's requests of one run from a `ToolHost`: tool calls (concurrently, each with its own timeout)
 * and the discovery methods the host implements. Returns a function that removes the handlers.
 */
export function serveToolHost(channel: FrameChannel<'host'>, options: ServeToolHostOptions): () => void {
  const { toolHost, servers, callTimeoutMs, runSignal, runDeadline, onCall, logger, skillDocs } = options;
  const loaded = new Set(servers.map((server) => server.name));
  const removers: (() => void)[] = [];

  removers.push(
    channel.onRequest('tools/call', async (params, context) => {
      onCall();
      if (!toolHost) {
        throw FrameProtocolError.remote({
          code: 'UNKNOWN_SERVER',
          message: 'This run has no tool host, so no tool can be called',
        });
      }
      const timeoutMs = params.timeoutMs ?? callTimeoutMs;
      // One signal per call: the request's own, aborted by the runtime's cancel, the end of the run or the deadline.
      const { signal } = context;
      const offRun = onAbort(runSignal, () => context.abort(new RunEnded()));
      const callDeadline = new Deadline(timeoutMs, () =>
        context.abort(new CallTimeout(`timed out after ${timeoutMs} ms`)),
      );
      const pauseDeadlines = async <T>(work: Promise<T>): Promise<T> => {
        const resumes = [callDeadline.pause(), runDeadline?.pause()];
        try {
          return await work;
        } finally {
          for (const resume of resumes) resume?.();
        }
      };
      try {
        return await untilAborted(
          toolHost.callTool(params.server, params.tool, params.arguments, {
            signal,
            timeoutMs,
            pauseDeadlines,
          }),
          signal,
        );
      } catch (error) {
        if (signal.reason instanceof CallTimeout) {
          throw FrameProtocolError.remote({
            code: 'TIMEOUT',
            message: `The tool ${params.tool} of ${params.server} did not answer within ${timeoutMs} ms`,
          });
        }
        if (signal.reason instanceof RunEnded || runSignal.aborted) {
          throw FrameProtocolError.remote({
            code: 'CANCELLED',
            message: 'The run ended before the call finished',
          });
        }
        if (signal.aborted) throw error;
        logger.debug('a tool call failed', {
          server: params.server,
          tool: params.tool,
          error: String(error),
        });
        throw wireError(error, 'TOOL_ERROR');
      } finally {
        callDeadline.clear();
        offRun();
      }
    }),
  );

  const discovery = <T>(work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> => {
    const { signal: callSignal, unlink } = linkedSignal([signal, runSignal]);
    return untilAborted(work(callSignal), callSignal)
      .catch((error: unknown) => {
        if (error instanceof FrameProtocolError) throw error;
        throw wireError(error, 'INTERNAL');
      })
      .finally(unlink);
  };

  const listServers = toolHost?.listServers?.bind(toolHost);
  if (listServers) {
    removers.push(
      channel.onRequest('servers/list', (_params, context) =>
        discovery(async (signal) => {
          const listed = await listServers({ signal });
          const names = new Set(listed.map((server) => server.name));
          const all: ServerSummary[] = [
            ...listed,
            ...servers.filter((server) => !names.has(server.name)).map((server) => ({ name: server.name })),
          ];
          return {
            servers: all.map((server) => ({
              name: server.name,
              ...(server.description === undefined ? {} : { description: server.description }),
              ...(server.toolCount === undefined ? {} : { toolCount: server.toolCount }),
              loaded: loaded.has(server.name),
            })),
          };
        }, context.signal),
      ),
    );
  }

  const describeServer = toolHost?.describeServer?.bind(toolHost);
  const describe = async (name: string, signal: AbortSignal): Promise<ServerMeta> => {
    const local = servers.find((server) => server.name === name);
    const meta = local ?? (await describeServer!(name, { signal }));
    if (!meta) {
      throw FrameProtocolError.remote({
        code: 'UNKNOWN_SERVER',
        message: `There is no server named ${name}`,
      });
    }
    return meta;
  };
  if (describeServer) {
    removers.push(
      channel.onRequest('servers/describe', (params, context) =>
        discovery((signal) => describe(params.server, signal), context.signal),
      ),
    );
  }

  const queryTools = toolHost?.queryTools?.bind(toolHost);
  if (queryTools || describeServer || skillDocs) {
    removers.push(
      channel.onRequest('tools/query', (params, context) =>
        discovery(async (signal) => {
          if (skillDocs && params.server === SKILLS_SERVER) {
            const wanted = params.tool?.toLowerCase();
            const docs = await skillDocs(signal);
            return { tools: docs.filter((doc) => wanted === undefined || doc.tool.toLowerCase() === wanted) };
          }
          if (queryTools) {
            return {
              tools: await queryTools(params.server, { signal, tool: params.tool, detail: params.detail }),
            };
          }
          const meta = await describe(params.server, signal);
          const wanted = params.tool?.toLowerCase();
          const tools = meta.tools.filter(
            (tool) => wanted === undefined || tool.name.toLowerCase() === wanted,
          );
          return { tools: tools.map((tool) => toolDoc(meta.name, tool, params.detail)) };
        }, context.signal),
      ),
    );
  }

  const searchTools = toolHost?.searchTools?.bind(toolHost);
  if (searchTools || skillDocs) {
    removers.push(
      channel.onRequest('tools/search', (params, context) =>
        discovery(async (signal) => {
          const words = params.query.toLowerCase().split(/\s+/).filter(Boolean);
          const skills =
            skillDocs && words.length
              ? (await skillDocs(signal)).filter((doc) =>
                  matchesWords(`${doc.tool} ${doc.description}`, words),
                )
              : [];
          // Without the host's search, the loaded servers' metadata is searched, as the runtime would.
          const results = searchTools
            ? await searchTools(params.query, { signal, limit: params.limit, detail: params.detail })
            : servers.flatMap((server) =>
                server.tools
                  .filter(
                    (tool) =>
                      words.length &&
                      matchesWords(`${server.name} ${tool.name} ${tool.description ?? ''}`, words),
                  )
                  .map((tool) => ({
                    ...toolDoc(server.name, tool, params.detail),
                    description: tool.description ?? '',
                  })),
              );
          return {
            results: [...skills, ...results]
              .slice(0, params.limit)
              .map((r) => ({ ...r, description: r.description ?? '' })),
          };
        }, context.signal),
      ),
    );
  }

  return () => {
    for (const remove of removers) remove();
  };
}
