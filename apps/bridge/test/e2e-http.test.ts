import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bridgeEnv,
  createFixture,
  DIST_CLI,
  distStatus,
  engineStatus,
  type Fixture,
  initializeRequest,
  LONG,
  shouldSkip,
  stdoutOf,
  structuredOf,
  until,
} from './harness.js';

// The built bridge serving Streamable HTTP: sessions for several clients at once, the bearer token.

const skip = shouldSkip(distStatus(), await engineStatus('podman'));
const TOKEN = 'e2e-token-9f8e7d6c5b4a39281706';

describe.skipIf(skip)('the bridge over Streamable HTTP, on podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let bridge: ChildProcess;
  let url: string;
  let log = '';
  const clients: Client[] = [];

  beforeAll(async () => {
    fixture = await createFixture();
    bridge = spawn(
      process.execPath,
      [DIST_CLI, '--http', '--port', '0', '--token', TOKEN, '--home', fixture.home, '--cwd', fixture.project],
      { env: bridgeEnv(fixture, 'podman'), cwd: fixture.project, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    bridge.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    url = await until('the bridge to listen', () => /serving MCP at (http:\/\/\S+)/.exec(log)?.[1], 60_000);
  }, LONG);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    if (bridge && bridge.exitCode === null) {
      const exited = new Promise((resolve) => bridge.once('exit', resolve));
      bridge.kill('SIGTERM');
      await exited;
    }
    await fixture?.cleanup();
  }, LONG);

  async function connect(): Promise<Client> {
    const client = new Client({ name: `http-e2e-${clients.length}`, version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  it('listens on loopback only', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('serves the console at /console behind the same token, and its state after a run', async () => {
    const consoleUrl = new URL('/console', url);
    expect((await fetch(consoleUrl)).status).toBe(401);
    expect((await fetch(`${consoleUrl}?token=${TOKEN}x`)).status).toBe(401);
    const page = await fetch(`${consoleUrl}?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('code-exec-bridge console');
    const client = await connect();
    await client.callTool({ name: 'run_python', arguments: { code: 'print(1)' } }, undefined, {
      timeout: LONG,
    });
    const state = (await (
      await fetch(new URL('/console/state', url), { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { runs: { recent: { status: string }[] } };
    expect(state.runs.recent[0]).toMatchObject({ status: 'success' });
  });

  it('refuses a request without the token with 401', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initializeRequest('no-token')),
    });
    expect(response.status).toBe(401);
    const refused = new Client({ name: 'wrong-token', version: '0' });
    await expect(
      refused.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: 'Bearer nope-nope-nope-nope' } },
        }),
      ),
    ).rejects.toThrow();
  });

  it(
    'serves two clients at once, each in its own session, with real tool calls',
    async () => {
      const [a, b] = await Promise.all([connect(), connect()]);
      const run = (client: Client, code: string) =>
        client.callTool(
          { name: 'run_python', arguments: { code, servers: ['test', 'everything'] } },
          undefined,
          { timeout: LONG },
        );
      const [ra, rb] = await Promise.all([
        run(
          a,
          'import asyncio\nawait asyncio.sleep(1)\nr = await mcp_test.add(a=1, b=2)\nprint("a", r["sum"])',
        ),
        run(b, 'r = await mcp_everything.echo(message="from b")\nprint(r)'),
      ]);
      expect(structuredOf(ra)).toMatchObject({ status: 'success' });
      expect(stdoutOf(ra)).toEqual(['a 3']);
      expect(structuredOf(rb)).toMatchObject({ status: 'success' });
      expect(stdoutOf(rb)).toEqual([expect.stringContaining('from b')]);
      const { tools } = await b.listTools();
      expect(tools.map((t) => t.name)).toEqual(['run_python']);
      expect(log).toMatch(/http session opened/);
    },
    LONG,
  );

  it(
    'answers validation errors over HTTP as results',
    async () => {
      const client = clients[0] ?? (await connect());
      const result = await client.callTool({ name: 'run_python', arguments: { servers: ['test'] } });
      expect(result.isError).toBe(true);
      expect(structuredOf(result)).toMatchObject({ status: 'validation_error' });
    },
    LONG,
  );

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => bridge.once('exit', resolve));
    bridge.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).toMatch(/bridge stopped/);
  });
});
