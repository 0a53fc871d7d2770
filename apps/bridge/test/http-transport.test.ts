import { hostname } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createBridgeServer } from '../src/server.js';
import { resolveSettings } from '../src/settings.js';
import { type HttpServing, serveHttp, unknownSessionMessage } from '../src/transports/http.js';
import { FakeEngine } from './fake-engine.js';

// The HTTP edge with a stand-in engine: sessions, the token and DNS rebinding protection. The end-to-end tests
// drive the built bridge over HTTP with real servers and containers.

const settings = resolveSettings({ env: {}, home: '/h', cwd: '/w' });
const TOKEN = 'test-token-0123456789abcdef';
const open: { close(): Promise<unknown> }[] = [];

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function serve(
  extra: Partial<Parameters<typeof serveHttp>[0]> = {},
): Promise<HttpServing & { engine: FakeEngine }> {
  const engine = new FakeEngine();
  const serving = await serveHttp({
    host: '127.0.0.1',
    port: 0,
    allowedHosts: [],
    allowedOrigins: [],
    logger: silentLogger,
    createSession: () =>
      createBridgeServer({
        engine,
        settings,
        limits: { memory: '512m', pids: 128, user: '65534:65534' },
        version: '0.0.0',
        logger: silentLogger,
      }),
    ...extra,
  });
  open.push(serving);
  return Object.assign(serving, { engine });
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  open.push(client);
  return client;
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '0' } },
};

function post(url: string, headers: Record<string, string>, body: unknown = initialize): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('serveHttp', () => {
  it('takes a run_python call with a 1 MiB program (express alone stops at 100 kB)', async () => {
    const serving = await serve();
    const client = await connect(serving.url);
    const code = `# ${'x'.repeat(1024 * 1024)}\nprint("long")`;
    const result = await client.callTool({ name: 'run_python', arguments: { code } });
    expect(result.isError).not.toBe(true);
    expect(serving.engine.runs.at(-1)?.code.length).toBe(code.length);
  });

  it('answers a body over the limit with 413 and a JSON-RPC error naming the setting, and serves on', async () => {
    const serving = await serve({ maxBodyBytes: 64 * 1024 });
    const response = await post(
      serving.url,
      {},
      { ...initialize, params: { ...initialize.params, pad: 'x'.repeat(65 * 1024) } },
    );
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32000);
    expect(body.error.message).toMatch(/larger than 65536 bytes; raise MCP_BRIDGE_HTTP_MAX_BODY/);
    const client = await connect(serving.url);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['run_python']);
  });

  it('answers a body that is not JSON with 400 and a JSON-RPC parse error', async () => {
    const serving = await serve();
    const response = await fetch(serving.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc": "2.0", "id": 1, "method": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'The request body is not JSON.' },
      id: null,
    });
  });

  it('gives each client its own session, several at once', async () => {
    const serving = await serve();
    const [a, b] = await Promise.all([connect(serving.url), connect(serving.url)]);
    expect(serving.sessions()).toBe(2);
    const [ra, rb] = await Promise.all([
      a.callTool({ name: 'run_python', arguments: { code: 'sleep 200' } }),
      b.callTool({ name: 'run_python', arguments: { code: 'print("b")' } }),
    ]);
    expect(ra.structuredContent).toMatchObject({ status: 'success', stdout: 'ran sleep 200' });
    expect(rb.structuredContent).toMatchObject({ status: 'success', stdout: 'ran print("b")' });
    await a.close();
    await expect.poll(() => serving.sessions()).toBeLessThanOrEqual(2);
  });

  it('refuses every request without the token with 401, and serves those with it', async () => {
    const serving = await serve({ token: TOKEN });
    const none = await post(serving.url, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await post(serving.url, { authorization: 'Bearer wrong-token-0000000000' })).status).toBe(401);
    expect((await fetch(serving.url, { method: 'GET' })).status).toBe(401);
    const client = await connect(serving.url, { authorization: `Bearer ${TOKEN}` });
    const { tools } = await client.listTools();
    expect(tools[0]?.name).toBe('run_python');
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    const serving = await serve();
    // fetch will not forge Host, so speak HTTP directly.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        serving.url,
        { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(initialize));
    });
    expect(status).toBe(403);
    expect((await post(serving.url, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(serving.url, { origin: 'http://localhost:5173' })).status).toBe(200);
  });

  it('answers an unknown session with 404 and a first request that is not initialize with 400', async () => {
    const serving = await serve();
    expect(
      (await post(serving.url, { 'mcp-session-id': 'nope' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }))
        .status,
    ).toBe(404);
    expect((await post(serving.url, {}, { jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(400);
  });

  it('says which instance has no such session, and how replicas must be routed', async () => {
    // A session opened on one replica, sent to another: the second answers 404 (the client then initializes
    // again) and names itself, so a log of the failure says which instance was reached.
    const a = await serve({ instanceName: 'bridge-a' });
    const b = await serve({ instanceName: 'bridge-b' });
    const transport = new StreamableHTTPClientTransport(new URL(a.url));
    const client = new Client({ name: 'replica-a', version: '0' });
    await client.connect(transport);
    open.push(client);
    const id = transport.sessionId!;
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    expect((await post(a.url, { 'mcp-session-id': id }, list)).status).toBe(200);
    const answers = [
      await post(b.url, { 'mcp-session-id': id }, list),
      await fetch(b.url, { headers: { 'mcp-session-id': id, accept: 'text/event-stream' } }),
      await fetch(b.url, { method: 'DELETE', headers: { 'mcp-session-id': id } }),
    ];
    for (const response of answers) {
      expect(response.status).toBe(404);
      const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
      expect(body.jsonrpc).toBe('2.0');
      expect(body.error.code).toBe(-32000);
      expect(body.error.message).toBe(unknownSessionMessage(id, 'bridge-b'));
      expect(body.error.message).toContain(`Unknown session ${id}: this bridge instance (bridge-b)`);
      expect(body.error.message).toMatch(
        /It may have ended, or been opened on another instance or before this one restarted; initialize a new session\./,
      );
      expect(body.error.message).toMatch(
        /every request of a client must reach the instance that opened its session: route by the client's address/,
      );
      expect(body.error.message).toMatch(/\(see "Several replicas" in the bridge's README\)\.$/);
    }
    // Replica a still serves the session.
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['run_python']);
  });

  it('names itself by its host name by default', async () => {
    const serving = await serve();
    const response = await post(
      serving.url,
      { 'mcp-session-id': 'gone' },
      { jsonrpc: '2.0', id: 2, method: 'ping' },
    );
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      `this bridge instance (${hostname()})`,
    );
  });

  it('says which port is taken', async () => {
    const first = await serve();
    await expect(serve({ port: first.port })).rejects.toThrow(
      /Cannot listen on 127.0.0.1:\d+ \(EADDRINUSE\)/,
    );
  });

  it('ends a session whose client went away without DELETE once it idled out, closing its sandbox sessions', async () => {
    const serving = await serve({ sessionIdleTimeoutMs: 600 });
    const client = new Client({ name: 'leaves', version: '0' });
    const transport = new StreamableHTTPClientTransport(new URL(serving.url));
    await client.connect(transport);
    const busy = await connect(serving.url);
    await busy.callTool({ name: 'run_python', arguments: { code: 'print(1)' } });
    expect(serving.sessions()).toBe(2);
    const id = transport.sessionId!;
    await client.close(); // no DELETE: the client just went away
    // The other client keeps its session alive with a run longer than the timeout.
    await busy.callTool({ name: 'run_python', arguments: { code: 'sleep 1500' } });
    await expect.poll(() => serving.sessions(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => serving.engine.closedConnections.length, { timeout: 10_000 }).toBe(1);
    expect(
      (await post(serving.url, { 'mcp-session-id': id }, { jsonrpc: '2.0', id: 3, method: 'tools/list' }))
        .status,
    ).toBe(404);
    expect(serving.engine.connections).toHaveLength(2);
    expect(new Set(serving.engine.connections).size).toBe(1);
  });
});
