import { parseArgs } from 'node:util';

/** How the test server behaves. Every field has a default, so `{}` from the command line is a plain echo server. */
export interface TestServerOptions {
  /** Server name announced in `initialize`. */
  name: string;
  /** Serve Streamable HTTP on this port (0 picks a free one) instead of stdio. */
  httpPort?: number | undefined;
  /** Interface the HTTP server binds to. */
  host: string;
  /** Split `tools/list` into this many pages, linked by cursors (1 = no pagination). */
  pages: number;
  /** Answer this many `tools/call` requests, then exit the process when the next one arrives. */
  crashAfter?: number | undefined;
  /** Write a line to stderr at start and on every request. */
  chatter: boolean;
  /** Add this many generated tools with realistic schemas (for token measurements). */
  manyTools: number;
  /** Start a long-lived child process at start (tests check that it is cleaned up with the server). */
  spawnChild: boolean;
  /** Write a message to stderr and exit at once with this code, before speaking MCP. */
  exitAtStart?: number | undefined;
  /** Start, but never read stdin or answer anything. */
  silent: boolean;
}

export const USAGE = `Usage: codexec-test-server [--http PORT] [--host HOST] [--name NAME] [--mode MODE[,MODE…]]…

Speaks MCP over stdio, or Streamable HTTP at http://HOST:PORT/mcp with --http (PORT 0 picks a free port; the
URL is printed as the first line of stdout). Modes (also from TEST_SERVER_MODE, comma-separated):
  paginated[=PAGES]   split tools/list into PAGES pages (default 3)
  crash-after=N       answer N tool calls, then exit when the next one arrives
  chatter             write a line to stderr at start and on every request
  many-tools[=N]      add N generated tools with realistic schemas (default 60)
  spawn-child         start a long-lived child process
  exit-at-start[=CODE] write to stderr and exit at once (default code 1)
  silent              never read stdin nor answer anything

Tools: echo, add, slow, hang, last_cancelled, error, pid, env, request_headers, request_meta, huge, add_tool,
remove_tool, crash.`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads options from argv (without the node and script paths) and the environment. Pure. */
export function parseOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): TestServerOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      http: { type: 'string' },
      host: { type: 'string' },
      name: { type: 'string' },
      mode: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);

  const options: TestServerOptions = {
    name: values.name ?? env.TEST_SERVER_NAME ?? 'codexec-test-server',
    host: values.host ?? env.TEST_SERVER_HOST ?? '127.0.0.1',
    pages: 1,
    chatter: false,
    manyTools: 0,
    spawnChild: false,
    silent: false,
  };
  const http = values.http ?? env.TEST_SERVER_HTTP;
  if (http !== undefined) options.httpPort = integer('--http', http, 0);

  const modes = [env.TEST_SERVER_MODE ?? '', ...(values.mode ?? [])]
    .flatMap((list) => list.split(','))
    .map((mode) => mode.trim())
    .filter((mode) => mode !== '');
  for (const mode of modes) {
    const [key = '', value] = mode.split('=', 2);
    switch (key) {
      case 'paginated':
        options.pages = value === undefined ? 3 : integer(key, value, 1);
        break;
      case 'crash-after':
        options.crashAfter = integer(key, value ?? '', 0);
        break;
      case 'chatter':
        options.chatter = true;
        break;
      case 'many-tools':
        options.manyTools = value === undefined ? 60 : integer(key, value, 0);
        break;
      case 'spawn-child':
        options.spawnChild = true;
        break;
      case 'exit-at-start':
        options.exitAtStart = value === undefined ? 1 : integer(key, value, 0);
        break;
      case 'silent':
        options.silent = true;
        break;
      default:
        throw new UsageError(`Unknown mode "${key}".\n\n${USAGE}`);
    }
  }
  return options;
}

function integer(what: string, text: string, min: number): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${what} needs an integer >= ${min}, got "${text}".`);
  }
  return value;
}
