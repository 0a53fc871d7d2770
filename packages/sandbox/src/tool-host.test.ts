import { PassThrough } from 'node:stream';
import { FrameChannel, type ServerMeta } from '@codexec/frame-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import { serveToolHost, type ToolHost } from './tool-host.js';

const SERVERS: ServerMeta[] = [
  {
    name: 'loaded',
    tools: [{ name: 'Echo', description: 'Echo it', inputSchema: { type: 'object' }, title: 'Echo' }],
  },
];

/** The host side served from a tool host, and a runtime-side channel to ask it, wired in memory. */
function wire(toolHost: ToolHost | undefined, callTimeoutMs = 5000) {
  const toRuntime = new PassThrough();
  const toHost = new PassThrough();
  const host = new FrameChannel({ side: 'host', readable: toHost, writable: toRuntime });
  const runtime = new FrameChannel({ side: 'runtime', readable: toRuntime, writable: toHost });
  const run = new AbortController();
  let calls = 0;
  const remove = serveToolHost(host, {
    toolHost,
    servers: SERVERS,
    callTimeoutMs,
    runSignal: run.signal,
    onCall: () => {
      calls += 1;
    },
    logger: silentLogger,
  });
  return { host, runtime, run, remove, calls: () => calls };
}

let open: ReturnType<typeof wire>[] = [];
function wired(toolHost: ToolHost | undefined, callTimeoutMs?: number) {
  const pair = wire(toolHost, callTimeoutMs);
  open.push(pair);
  return pair;
}
afterEach(() => {
  for (const pair of open) {
    pair.host.close();
    pair.runtime.close();
  }
  open = [];
});

const text = (value: string) => ({ content: [{ type: 'text', text: value }] });
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

describe('serveToolHost: tools/call', () => {
  it('passes the call to the tool host and its result back', async () => {
    const seen: unknown[] = [];
    const { runtime, calls } = wired({
      async callTool(server, tool, args, { timeoutMs }) {
        seen.push([server, tool, args, timeoutMs]);
        return text('ok');
      },
    });
    const result = await runtime.request('tools/call', { server: 's', tool: 't', arguments: { a: 1 } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'ok' }] });
    expect(seen).toEqual([['s', 't', { a: 1 }, 5000]]);
    expect(calls()).toBe(1);
  });

  it('serves calls concurrently', async () => {
    let inFlight = 0;
    let most = 0;
    const { runtime } = wired({
      async callTool(_s, _t, args) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await sleep(50);
        inFlight -= 1;
        return text(String(args.i));
      },
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        runtime.request('tools/call', { server: 's', tool: 't', arguments: { i } }),
      ),
    );
    expect(results.map((r) => (r as { content: { text: string }[] }).content[0]!.text)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    expect(most).toBe(50);
  });

  it('answers TIMEOUT when the call outlives its budget, and aborts the call', async () => {
    let aborted = false;
    const { runtime } = wired({
      async callTool(_s, _t, _a, { signal }) {
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        return new Promise(() => {}); // ignores its signal: the sandbox still answers
      },
    });
    await expect(
      runtime.request('tools/call', { server: 's', tool: 'slow', timeoutMs: 50 }),
    ).rejects.toMatchObject({ remote: { code: 'TIMEOUT' } });
    expect(aborted).toBe(true);
  });

  it('does not count the time a call spends in pauseDeadlines against its budget', async () => {
    const { runtime } = wired({
      async callTool(_s, _t, _a, { pauseDeadlines, signal }) {
        await pauseDeadlines(sleep(150, signal)); // a person deciding
        await sleep(20, signal);
        return text('went ahead');
      },
    });
    await expect(
      runtime.request('tools/call', { server: 's', tool: 'asked', timeoutMs: 100 }),
    ).resolves.toEqual(text('went ahead'));
  });

  it('passes wire codes and their data through and turns other failures into TOOL_ERROR', async () => {
    const { runtime } = wired({
      async callTool(_s, tool) {
        if (tool === 'coded') throw Object.assign(new Error('no such tool'), { code: 'UNKNOWN_TOOL' });
        if (tool === 'denied') {
          throw Object.assign(new Error('denied by policy'), { code: 'DENIED', data: { rule: 'deny s.*' } });
        }
        throw Object.assign(new Error('upstream broke'), { code: 'ECONNRESET', data: { secret: 'x' } });
      },
    });
    await expect(runtime.request('tools/call', { server: 's', tool: 'denied' })).rejects.toMatchObject({
      remote: { code: 'DENIED', message: 'denied by policy', data: { rule: 'deny s.*' } },
    });
    await expect(runtime.request('tools/call', { server: 's', tool: 'coded' })).rejects.toMatchObject({
      remote: { code: 'UNKNOWN_TOOL', message: 'no such tool' },
    });
    // The data of an error without a wire code stays in the host.
    const other = await runtime
      .request('tools/call', { server: 's', tool: 'other' })
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ remote: { code: 'TOOL_ERROR', message: 'upstream broke' } });
    expect((other as { remote: object }).remote).not.toHaveProperty('data');
  });

  it('aborts pending calls when the run ends, and when the runtime cancels one', async () => {
    const aborted: string[] = [];
    const { runtime, run } = wired({
      async callTool(_s, tool, _a, { signal }) {
        await sleep(10_000, signal).catch((error) => {
          aborted.push(tool);
          throw error;
        });
        return text('late');
      },
    });
    const cancel = new AbortController();
    const cancelled = runtime.request(
      'tools/call',
      { server: 's', tool: 'first' },
      { signal: cancel.signal },
    );
    const pending = runtime.request('tools/call', { server: 's', tool: 'second' });
    await sleep(20);
    cancel.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'ABORTED' });
    await sleep(20);
    run.abort();
    await expect(pending).rejects.toMatchObject({ remote: { code: 'CANCELLED' } });
    expect(aborted).toEqual(['first', 'second']);
  });

  it('without a tool host, calls fail clearly', async () => {
    const { runtime } = wired(undefined);
    await expect(runtime.request('tools/call', { server: 's', tool: 't' })).rejects.toMatchObject({
      remote: { code: 'UNKNOWN_SERVER', message: expect.stringMatching(/no tool host/) },
    });
  });
});

describe('serveToolHost: discovery', () => {
  const callTool = async () => text('');

  it('methods the tool host lacks are UNKNOWN_METHOD (the runtime then uses its metadata)', async () => {
    const { runtime } = wired({ callTool });
    for (const method of ['servers/list', 'servers/describe', 'tools/query', 'tools/search']) {
      await expect(runtime.request(method, { server: 'loaded', query: 'x' })).rejects.toMatchObject({
        remote: { code: 'UNKNOWN_METHOD' },
      });
    }
  });

  it('servers/list marks loaded servers and adds loaded ones the host did not list', async () => {
    const { runtime } = wired({
      callTool,
      listServers: async () => [{ name: 'other', description: 'Other', toolCount: 2 }],
    });
    expect(await runtime.request('servers/list', {})).toEqual({
      servers: [
        { name: 'other', description: 'Other', toolCount: 2, loaded: false },
        { name: 'loaded', loaded: true },
      ],
    });
  });

  it('tools/query is derived from describeServer, by detail', async () => {
    const { runtime } = wired({
      callTool,
      describeServer: async (name) =>
        name === 'remote'
          ? { name, tools: [{ name: 'Find', description: 'Finds', inputSchema: { type: 'object' } }] }
          : undefined,
    });
    expect(await runtime.request('tools/query', { server: 'remote' })).toEqual({
      tools: [{ server: 'remote', tool: 'Find', description: 'Finds' }],
    });
    expect(await runtime.request('tools/query', { server: 'remote', tool: 'find', detail: 'full' })).toEqual({
      tools: [{ server: 'remote', tool: 'Find', description: 'Finds', inputSchema: { type: 'object' } }],
    });
    expect(await runtime.request('servers/describe', { server: 'loaded' })).toEqual(SERVERS[0]);
    await expect(runtime.request('servers/describe', { server: 'ghost' })).rejects.toMatchObject({
      remote: { code: 'UNKNOWN_SERVER' },
    });
  });

  it('tools/search passes through, capped to the limit, descriptions filled in', async () => {
    const { runtime } = wired({
      callTool,
      searchTools: async (query, { limit }) => {
        expect([query, limit]).toEqual(['find', 1]);
        return [
          { server: 'a', tool: 'x', description: undefined as unknown as string, score: 2 },
          { server: 'b', tool: 'y', description: 'y' },
        ];
      },
    });
    expect(await runtime.request('tools/search', { query: 'find', limit: 1 })).toEqual({
      results: [{ server: 'a', tool: 'x', description: '', score: 2 }],
    });
  });
});
