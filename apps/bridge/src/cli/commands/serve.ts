import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type Bridge, createBridge } from '../../composition.js';
import type { ConsoleState } from '../../console/console-page.js';
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
      await serveOverHttp(ctx, settings, session, logger, bridge.consoleState);
    } else {
      const consoleServer = settings.console
        ? await serveConsole(ctx, settings.console, bridge, logger)
        : undefined;
      try {
        await serveOverStdio(ctx, session, announce);
      } finally {
        await consoleServer?.close();
      }
    }
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
  consoleState: () => ConsoleState,
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
    consoleState,
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

/**
 * The console beside stdio, on a loopback address (`MCP_BRIDGE_CONSOLE`): behind `MCP_BRIDGE_HTTP_TOKEN` when set,
 * else behind a token made now and logged with the console's address.
 */
async function serveConsole(
  ctx: CommandContext,
  address: { host: string; port: number },
  bridge: Bridge,
  logger: Logger,
): Promise<{ close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const { handleConsole } = await import('../../console/console-page.js');
  const token = ctx.settings.httpToken ?? randomBytes(18).toString('base64url');
  const server = createServer((req, res) => {
    if (!handleConsole(req, res, { token, state: bridge.consoleState })) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only /console is served here.\n');
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => resolve());
    });
  } catch (error) {
    logger.warn('the console could not listen; the bridge serves MCP without it', {
      address: `${address.host}:${address.port}`,
      error: String(error),
    });
    return { close: async () => {} };
  }
  const { port } = server.address() as AddressInfo;
  const shown = ctx.settings.httpToken ? '<MCP_BRIDGE_HTTP_TOKEN>' : token;
  ctx.io.stderr.write(`code-exec-bridge console at http://${address.host}:${port}/console?token=${shown}\n`);
  return {
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
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
