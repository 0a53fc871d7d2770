import type { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type Bridge, createBridge } from '../../composition.js';
import { createLogHub } from '../../log-hub.js';
import { fanOutLogger, type Logger } from '../../logger.js';
import { createBridgeServer } from '../../server.js';
import type { Settings } from '../../settings.js';
import { VERSION } from '../../version.js';
import { EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

/** `serve` (the default): the MCP server over stdio, or over Streamable HTTP with --http. */
export async function serveCommand(ctx: CommandContext): Promise<number> {
  const { io, settings } = ctx;
  if (!settings.http) guardStdout();
  const hub = createLogHub();
  const logger = fanOutLogger(ctx.logger, hub.logger);
  const bridge = await createBridge({ settings, env: io.env, logger, signal: io.signal });
  const session = () =>
    createBridgeServer({
      engine: bridge.engine,
      settings,
      limits: shownLimits(bridge),
      version: VERSION,
      logger,
      logHub: hub,
    });

  // In the background: which limits the engine applies, in the log from the start (the engine is then found). Over
  // stdio only once the client has its answer to `initialize` (or after two seconds): the probe runs an engine client
  // and loads the code that spawns it, which would otherwise delay the first answer the client waits for.
  let announced = false;
  const announce = () => {
    if (announced) return;
    announced = true;
    void bridge.announceLimits();
  };
  try {
    if (settings.http) {
      announce();
      await serveOverHttp(ctx, settings, session, logger);
    } else await serveOverStdio(ctx, session, announce);
  } finally {
    await bridge.close();
  }
  logger.info('bridge stopped');
  return EXIT_OK;
}

async function serveOverStdio(
  ctx: CommandContext,
  session: () => ReturnType<typeof createBridgeServer>,
  initialized: () => void,
) {
  const { io } = ctx;
  const transport = new StdioServerTransport(io.stdin, io.stdout as Writable);
  const server = session();
  server.oninitialized = ((previous) => () => {
    previous?.();
    initialized();
  })(server.oninitialized);
  // A client that never says `initialized` still gets the probe; one that leaves within 2 s does not.
  const fallback = setTimeout(initialized, 2000).unref();
  const ended = new Promise<void>((resolve) => {
    // The SDK's stdio transport does not notice the client going away; the end of stdin is that signal.
    io.stdin.once('end', resolve);
    io.stdin.once('close', resolve);
    io.signal.addEventListener('abort', () => resolve(), { once: true });
    server.onclose = ((previous) => () => {
      previous?.();
      resolve();
    })(server.onclose);
  });
  await server.connect(transport);
  ctx.logger.info(`code-exec-bridge ${VERSION} serving MCP on stdio`);
  await ended;
  clearTimeout(fallback);
  await server.close().catch(() => {});
}

async function serveOverHttp(
  ctx: CommandContext,
  settings: Settings,
  session: () => ReturnType<typeof createBridgeServer>,
  logger: Logger,
) {
  // Express and the SDK's HTTP transport are loaded only here: a bridge on stdio never needs them.
  const { serveHttp } = await import('../../transports/http.js');
  const serving = await serveHttp({
    host: settings.httpHost,
    port: settings.httpPort,
    token: settings.httpToken,
    allowedHosts: settings.httpAllowedHosts,
    allowedOrigins: settings.httpAllowedOrigins,
    createSession: session,
    sessionIdleTimeoutMs: settings.httpSessionTimeoutMs,
    maxBodyBytes: settings.httpMaxBodyBytes,
    logger,
  });
  // Printed whatever the log level: with --port 0 this is how a person (or a test) learns the port.
  ctx.io.stderr.write(`code-exec-bridge ${VERSION} serving MCP at ${serving.url}\n`);
  await new Promise<void>((resolve) => {
    if (ctx.io.signal.aborted) resolve();
    ctx.io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await serving.close();
}

function shownLimits(bridge: Bridge) {
  return {
    memory: bridge.limits.memory,
    pids: bridge.limits.pids,
    cpus: bridge.limits.cpus,
    user: bridge.limits.user,
  };
}

/**
 * Over stdio every byte on stdout must be MCP. Anything in the process that logs with console.log (a dependency,
 * a stray debug line) is sent to stderr instead.
 */
function guardStdout(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}
