import { afterAll, afterEach, expect, test } from 'vitest';
import type { ToolsChangedEvent, UpstreamError, UpstreamServer } from '../src/index.js';
import {
  freePort,
  poolFixture,
  type ServerProcess,
  startProcess,
  testServerArgs,
  textOf,
  until,
} from './helpers.js';

const pools = poolFixture({ afterEach, afterAll });
const LONG = 120_000;
const started: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

/** The test server over Streamable HTTP on `port` (a free one by default). */
async function httpTestServer(port = 0): Promise<{ url: string; server: ServerProcess }> {
  const server = await startProcess(process.execPath, [...testServerArgs(), '--http', String(port)], {
    ready: /^(http:\/\/\S+)$/m,
  });
  started.push(server);
  return { url: server.match[1]!, server };
}

const http = (name: string, url: string, headers: Record<string, string> = {}): UpstreamServer => ({
  name,
  transport: { type: 'http', url, headers },
});

test(
  'Streamable HTTP: calls work and the configured headers reach the server',
  async () => {
    const { url } = await httpTestServer();
    const pool = pools.open({
      servers: [http('web', url, { authorization: 'Bearer t0ken', 'x-codexec-test': 'yes' })],
    });
    expect((await pool.callTool('web', 'add', { a: 1, b: 2 })).structuredContent).toEqual({ sum: 3 });
    const headers = (await pool.callTool('web', 'request_headers')).structuredContent as Record<
      string,
      string
    >;
    expect(headers).toMatchObject({ authorization: 'Bearer t0ken', 'x-codexec-test': 'yes' });
    expect(pool.status()[0]).toMatchObject({
      state: 'ready',
      connectedVia: 'streamable-http',
      pid: undefined,
    });
  },
  LONG,
);

test(
  'Streamable HTTP: list changes arrive, cancellation reaches the server, and 20 MiB results are intact',
  async () => {
    const { url } = await httpTestServer();
    const pool = pools.open({ servers: [http('web', url)] });
    const before = await pool.metadata('web');
    const changed = new Promise<ToolsChangedEvent>((resolve) => {
      pool.on('toolsChanged', resolve);
    });
    await pool.callTool('web', 'add_tool', { name: 'over_http' });
    expect((await changed).tools).toHaveLength(before.tools.length + 1);

    const controller = new AbortController();
    const call = pool.callTool('web', 'slow', { ms: 60_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    expect(((await call.catch((e: unknown) => e)) as UpstreamError).code).toBe('ABORTED');
    const seen = await until(
      async () => (await pool.callTool('web', 'last_cancelled')).structuredContent as { count: number },
      (value) => value.count > 0,
    );
    expect(seen.count).toBe(1);

    const huge = await pool.callTool('web', 'huge', { mib: 20 });
    expect(textOf(huge).length).toBe(20 * 1024 * 1024);
  },
  LONG,
);

test(
  'Streamable HTTP: a server that went away fails the call, and the next call reconnects once it is back',
  async () => {
    const port = await freePort();
    const first = await httpTestServer(port);
    const pool = pools.open({ servers: [http('web', first.url)], restart: { backoffMs: 10 } });
    expect((await pool.callTool('web', 'echo', { n: 1 })).structuredContent).toEqual({ n: 1 });
    await first.server.stop();
    const error = (await pool.callTool('web', 'echo', { n: 2 }).catch((e: unknown) => e)) as UpstreamError;
    expect(error.code).toBe('DISCONNECTED');
    expect(pool.status()[0]!.state).toBe('crashed');
    await httpTestServer(port);
    expect((await pool.callTool('web', 'echo', { n: 3 })).structuredContent).toEqual({ n: 3 });
    expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 1 });
  },
  LONG,
);

test('an unreachable URL is START_FAILED, saying it could not be reached', async () => {
  const port = await freePort();
  const pool = pools.open({ servers: [http('nowhere', `http://127.0.0.1:${port}/mcp`)] });
  const error = (await pool.connect('nowhere').catch((e: unknown) => e)) as UpstreamError;
  expect(error.code).toBe('START_FAILED');
  expect(error.message).toContain(`http://127.0.0.1:${port}/mcp`);
  expect(error.message).toContain('could not be reached');
});

/** A plain HTTP server that answers every request with `status` and records what it was asked. */
async function refusingServer(
  status: number,
): Promise<{ url: string; asked: string[]; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const asked: string[] = [];
  const server = createServer((request, response) => {
    asked.push(`${request.method} ${request.headers.accept ?? ''}`);
    request.resume();
    response.writeHead(status, { 'content-type': 'text/plain' }).end(`no (${status})`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Starts a pool on a server that answers every request with `status`; the first call's error and the requests. */
async function startAgainst(status: number): Promise<{ error: UpstreamError; asked: string[] }> {
  const refusing = await refusingServer(status);
  try {
    const pool = pools.open({ servers: [http('web', refusing.url)] });
    const error = (await pool
      .callTool('web', 'add', { a: 1, b: 2 })
      .catch((e: unknown) => e)) as UpstreamError;
    return { error, asked: refusing.asked };
  } finally {
    await refusing.close();
  }
}

test(
  'an HTTP server that refuses with 401 is START_FAILED naming the status and the headers to check, with no SSE try',
  async () => {
    const { error, asked } = await startAgainst(401);
    expect(error.code).toBe('START_FAILED');
    expect(error.message).toMatch(/refused the connection with HTTP 401.*"headers"/);
    expect(asked.every((line) => line.startsWith('POST'))).toBe(true);
  },
  LONG,
);

test(
  'an HTTP server that answers 404 to Streamable HTTP is tried over legacy SSE, and its status is in the error',
  async () => {
    const { error, asked } = await startAgainst(404);
    expect(error.code).toBe('START_FAILED');
    expect(error.message).toMatch(/legacy SSE\) answered with HTTP 404/);
    expect(asked.some((line) => line.startsWith('GET') && line.includes('text/event-stream'))).toBe(true);
  },
  LONG,
);
