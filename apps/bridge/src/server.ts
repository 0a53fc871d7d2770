import { randomUUID } from 'node:crypto';
import { formatBytes } from '@codexec/internal';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createApprover } from './approval.js';
import { capabilitiesMarkdown } from './capabilities.js';
import type { RunEngine } from './engine.js';
import type { LogEvent, LogHub } from './log-hub.js';
import type { Logger } from './logger.js';
import { checkRunArguments, runPythonInputSchema } from './run-arguments.js';
import { maxTimeoutSeconds, type Settings } from './settings.js';
import { CAPABILITIES_URI, SERVERS_URI, toolDescription } from './tool-description.js';

export const TOOL_NAME = 'run_python';
export const SERVER_NAME = 'code-exec-bridge';

/** Container limits shown in the manual when the settings leave them at the runtime's hardened defaults. */
export interface LimitsShown {
  memory: string;
  pids: number;
  cpus?: string | undefined;
  user: string;
}

export interface BridgeServerOptions {
  engine: RunEngine;
  settings: Settings;
  limits: LimitsShown;
  version: string;
  logger: Logger;
  /** Bridge events forwarded to the client as MCP log notifications. */
  logHub?: LogHub;
  /** How often progress is reported while a run lasts, when the client asked for it (ms). @default 800 */
  progressIntervalMs?: number;
}

const MCP_LEVELS: LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];
const FROM_LOGGER: Record<LogEvent['level'], LoggingLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
};

/**
 * One MCP server session: the `run_python` tool, the capabilities and servers resources, progress and log
 * notifications. Over stdio there is one; over HTTP one per client session, all sharing one engine.
 */
export function createBridgeServer(options: BridgeServerOptions): Server {
  const { engine, settings, logger } = options;
  const maxSeconds = maxTimeoutSeconds(settings);
  // This client's sessions are its own: over HTTP every MCP session gets a server, and so a connection.
  const connection = randomUUID();
  let approve: ReturnType<typeof createApprover> | undefined;
  const server = new Server(
    { name: SERVER_NAME, title: 'Code execution bridge', version: options.version },
    {
      capabilities: { tools: { listChanged: true }, resources: {}, logging: {} },
      instructions:
        'One tool, run_python, runs Python in a sandbox that can call the tools of the MCP servers listed in ' +
        'its description. Read its capabilities resource for the in-sandbox API.',
    },
  );

  const describe = () =>
    toolDescription(engine.catalog(), {
      defaultTimeoutMs: settings.timeoutMs,
      maxTimeoutSeconds: maxSeconds,
      memory: options.limits.memory,
      sessions: engine.sessions,
    });
  let description = describe();

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: TOOL_NAME,
        title: 'Run Python with MCP tools',
        description,
        inputSchema: runPythonInputSchema(maxSeconds, engine.sessions) as { type: 'object' },
        outputSchema: engine.outputSchema as { type: 'object' },
        // No annotations: what run_python would declare (not read-only, possibly destructive, not idempotent,
        // open world) is what the protocol assumes of a tool that declares none, and the list costs tokens.
      },
    ],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    if (request.params.name !== TOOL_NAME) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool ${request.params.name}: this server has only ${TOOL_NAME}.`,
      );
    }
    const check = checkRunArguments(request.params.arguments, {
      known: engine.catalog().map((s) => s.name),
      defaultTimeoutMs: settings.timeoutMs,
      maxTimeoutSeconds: maxSeconds,
      sessions: engine.sessions,
    });
    if (!check.ok) {
      logger.info('run_python refused', { problems: check.problems.length });
      const report = engine.rejected(check.problems);
      return {
        content: [{ type: 'text', text: report.text }],
        structuredContent: report.structured,
        isError: true,
      };
    }

    const progressToken = request.params._meta?.progressToken;
    const started = Date.now();
    let calls = 0;
    let lastProgress = -1;
    const sendProgress = () => {
      if (progressToken === undefined || extra.signal.aborted) return;
      // Progress must grow with every notification; elapsed tenths of a second do, as long as ticks are apart.
      const progress = Math.max(lastProgress + 0.1, Math.round((Date.now() - started) / 100) / 10);
      lastProgress = progress;
      extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress,
            message: `running for ${progress.toFixed(1)}s, ${calls} tool call${calls === 1 ? '' : 's'}`,
          },
        })
        .catch(() => {});
    };
    const ticker =
      progressToken === undefined ? undefined : setInterval(sendProgress, options.progressIntervalMs ?? 800);
    ticker?.unref?.();
    try {
      approve ??= createApprover(server, { timeoutMs: settings.approvalTimeoutMs, logger });
      const asker = approve;
      const report = await engine.run(check.value, {
        signal: extra.signal,
        connection,
        onToolCall: (event) => {
          calls += 1;
          logger.debug('tool call', { ...event });
        },
        approve: (question, signal) => asker(question, signal, extra.requestId),
        meta: request.params._meta as Record<string, unknown> | undefined,
      });
      return {
        content: [{ type: 'text', text: report.text }, ...(report.attachments ?? [])],
        structuredContent: report.structured,
        ...(report.isError ? { isError: true } : {}),
      };
    } finally {
      if (ticker) clearInterval(ticker);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: [
      {
        uri: CAPABILITIES_URI,
        name: 'capabilities',
        title: 'run_python sandbox manual',
        description: 'The in-sandbox API, the limits and examples',
        mimeType: 'text/markdown',
      },
      {
        uri: SERVERS_URI,
        name: 'servers',
        title: 'Discovered MCP servers',
        description: 'Every server run_python can load, where it was configured, and what it shadows',
        mimeType: 'application/json',
      },
    ],
  }));

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [] }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const { uri } = request.params;
    if (uri === CAPABILITIES_URI) {
      const savedTools = await engine.savedTools?.().catch((error: unknown) => {
        logger.warn('could not list the saved tools for the manual', { error: String(error) });
        return undefined;
      });
      const text = capabilitiesMarkdown({
        savedTools,
        image: settings.image,
        defaultTimeoutMs: settings.timeoutMs,
        maxTimeoutSeconds: maxSeconds,
        memory: options.limits.memory,
        pids: options.limits.pids,
        cpus: options.limits.cpus,
        user: options.limits.user,
        maxOutputChars: settings.maxOutputChars,
        servers: engine.catalog().map((s) => s.name),
        sessions: engine.sessions,
        idleTimeoutMs: settings.idleTimeoutMs,
        memoryMaxValue: formatBytes(settings.memoryMaxValueBytes),
        memoryMaxTotal: formatBytes(settings.memoryMaxTotalBytes),
        enforcement: engine.limitHolds?.(),
      });
      return { contents: [{ uri, mimeType: 'text/markdown', text }] };
    }
    if (uri === SERVERS_URI) {
      const servers = engine.catalog().map((s) => ({
        name: s.name,
        transport: s.transport,
        summary: s.summary,
        source: s.source,
        shadows: s.shadows,
      }));
      return {
        contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ servers }, null, 2) }],
      };
    }
    throw new McpError(
      ErrorCode.InvalidParams,
      `Unknown resource ${uri}: this server has ${CAPABILITIES_URI} and ${SERVERS_URI}.`,
      { uri },
    );
  });

  // The client's chosen level; until it chooses, info and above are sent.
  let clientLevel: LoggingLevel = 'info';
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    clientLevel = request.params.level;
    return {};
  });
  const unsubscribeLogs = options.logHub?.subscribe((event) => {
    const level = FROM_LOGGER[event.level];
    if (MCP_LEVELS.indexOf(level) < MCP_LEVELS.indexOf(clientLevel)) return;
    if (!server.transport) return;
    server
      .sendLoggingMessage({
        level,
        logger: SERVER_NAME,
        data: event.data ? { message: event.message, ...serialisable(event.data) } : event.message,
      })
      .catch(() => {});
  });

  const unsubscribeChanges = engine.onChange(() => {
    const next = describe();
    if (next === description) return;
    description = next;
    if (server.transport) server.sendToolListChanged().catch(() => {});
  });

  server.onclose = () => {
    unsubscribeLogs?.();
    unsubscribeChanges();
    engine.closeConnection(connection).catch((error: unknown) => {
      logger.warn('could not close the sessions of a connection', { error: String(error) });
    });
  };
  return server;
}

function serialisable(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) out[key] = value instanceof Error ? value.message : value;
  return out;
}
