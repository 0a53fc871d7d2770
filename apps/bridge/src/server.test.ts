import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  type CallToolResult,
  LoggingMessageNotificationSchema,
  type ProgressNotification,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine, origin } from '../test/fake-engine.js';
import { createLogHub } from './log-hub.js';
import { silentLogger } from './logger.js';
import { createBridgeServer } from './server.js';
import { resolveSettings } from './settings.js';
import { CAPABILITIES_URI, SERVERS_URI } from './tool-description.js';

const settings = resolveSettings({ env: {}, home: '/home/u', cwd: '/work' });
const limits = { memory: '512m', pids: 128, user: '65534:65534' };
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function connect(engine = new FakeEngine(), hub = createLogHub()) {
  const server = createBridgeServer({
    engine,
    settings,
    limits,
    version: '1.2.3',
    logger: silentLogger,
    logHub: hub,
    progressIntervalMs: 50,
  });
  const client = new Client({ name: 'test', version: '0' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  return { client, engine, hub };
}

function text(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  return content?.type === 'text' ? content.text : '';
}

describe('the MCP surface', () => {
  it('lists one tool with the original input schema, an output schema and the servers', async () => {
    const { client } = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: 'code-exec-bridge', version: '1.2.3' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['run_python']);
    const tool = tools[0]!;
    expect(tool.inputSchema.required).toEqual(['code']);
    expect(tool.inputSchema.properties).toHaveProperty('timeout.maximum', 120);
    expect(tool.outputSchema).toHaveProperty('required', ['status']);
    expect(tool.description).toContain('- github: GitHub issues');
    expect(tool.description).toContain('- files');
  });

  it('runs code and returns the text and structured content', async () => {
    const { client, engine } = await connect();
    const result = await client.callTool({
      name: 'run_python',
      arguments: { code: 'print(1)', servers: ['github'] },
    });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('ran print(1)');
    expect(result.structuredContent).toEqual({ status: 'success', stdout: 'ran print(1)' });
    expect(engine.runs).toEqual([{ code: 'print(1)', servers: ['github'], timeoutMs: 30_000 }]);
  });

  it('marks a failed run as an error result', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'run_python', arguments: { code: 'raise' } });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'error' });
  });

  it.each([
    ['missing code', {}, /`code` is required/],
    ['code of the wrong type', { code: 5 }, /`code` must be a string/],
    [
      'an unknown server',
      { code: 'x', servers: ['gitlab'] },
      /unknown server `gitlab`; available: github, files/,
    ],
    ['a timeout too large', { code: 'x', timeout: 999 }, /from 1 to 120/],
  ])('answers %s with a validation_error result, never a protocol error', async (_, args, message) => {
    const { client, engine } = await connect();
    const result = await client.callTool({ name: 'run_python', arguments: args });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ status: 'validation_error' });
    expect(text(result)).toMatch(message);
    expect(engine.runs).toEqual([]);
  });

  it('refuses an unknown tool with a protocol error', async () => {
    const { client } = await connect();
    await expect(client.callTool({ name: 'exec', arguments: {} })).rejects.toThrow(/Unknown tool exec/);
  });

  it('serves the capabilities manual and the servers list', async () => {
    const { client } = await connect();
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([CAPABILITIES_URI, SERVERS_URI]);
    const manual = await client.readResource({ uri: CAPABILITIES_URI });
    expect(manual.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    const body = (manual.contents[0] as { text: string }).text;
    expect(body).toContain('from mcp import runtime');
    expect(body).toContain('512m');
    expect(body).toContain('`github`');
    const servers = await client.readResource({ uri: SERVERS_URI });
    const parsed = JSON.parse((servers.contents[0] as { text: string }).text);
    expect(parsed.servers[1]).toMatchObject({
      name: 'files',
      transport: 'http',
      shadows: [{ scope: 'project' }],
    });
  });

  it('answers an unknown resource with invalid params', async () => {
    const { client } = await connect();
    await expect(client.readResource({ uri: 'resource://nope' })).rejects.toMatchObject({ code: -32602 });
  });

  it('reports progress while a run lasts, when the client asks', async () => {
    const { client } = await connect();
    const seen: ProgressNotification['params'][] = [];
    await client.callTool({ name: 'run_python', arguments: { code: 'sleep 400' } }, undefined, {
      onprogress: (p) => seen.push(p as ProgressNotification['params']),
    });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
    expect(seen.at(-1)!.message).toMatch(/running for [\d.]+s, 1 tool call$/);
  });

  it('passes cancellation to the run', async () => {
    const { client, engine } = await connect();
    const controller = new AbortController();
    const call = client.callTool({ name: 'run_python', arguments: { code: 'sleep 10000' } }, undefined, {
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort('user pressed escape');
    await expect(call).rejects.toThrow();
    await expect.poll(() => engine.aborted).toBe(true);
  });

  it('sends bridge events at the level the client chose', async () => {
    const hub = createLogHub();
    const { client } = await connect(undefined, hub);
    const received: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      received.push(n.params);
    });
    await client.setLoggingLevel('warning');
    hub.logger.info('quiet');
    hub.logger.error('upstream crashed', { server: 'github' });
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({
      level: 'error',
      data: { message: 'upstream crashed', server: 'github' },
    });
  });

  it('tells the client when the description changes', async () => {
    const engine = new FakeEngine();
    const { client } = await connect(engine);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed += 1;
    });
    engine.change();
    engine.entries = [...engine.entries, { name: 'memory', transport: 'stdio', source: origin, shadows: [] }];
    engine.change();
    await expect.poll(() => changed).toBe(1);
    const { tools } = await client.listTools();
    expect(tools[0]!.description).toContain('- memory');
  });
});
