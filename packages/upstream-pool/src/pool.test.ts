// The pool's state machine, in process: servers are McpServers behind the SDK's in-memory transport, reached
// through the `connect` option. What only real processes and sockets can show is in test/.
import { setTimeout as sleep } from 'node:timers/promises';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import {
  type CallEvent,
  type ConnectionFactory,
  createUpstreamPool,
  isUpstreamError,
  type ServerState,
  type UpstreamError,
  type UpstreamEvent,
  type UpstreamPool,
  type UpstreamPoolOptions,
  type UpstreamServer,
} from './index.js';

/** One start of an in-process server: what it saw, and how to make it crash. */
interface Instance {
  readonly number: number;
  calls: string[];
  cancellations: { tool: string; reason: string }[];
  mcp: McpServer;
  /** Ends the connection from the server's side, as a process exit would. */
  crash(text?: string): Promise<void>;
  closedByPool: boolean;
}

interface FakeOptions {
  /** Throws instead of starting, for the start numbers it returns true for. */
  failStart?: ((start: number) => boolean) | undefined;
  /** Waits for this before starting. */
  gate?: Promise<void> | undefined;
}

/** A connection factory whose every start is a fresh McpServer with a few test tools. */
function fakeServers(options: FakeOptions = {}) {
  const instances: Instance[] = [];
  const contexts: { signal: AbortSignal }[] = [];
  const connect: ConnectionFactory = async (server, context) => {
    contexts.push(context);
    const number = contexts.length;
    context.onStderr(`${server.name}: start #${contexts.length}\n`);
    await options.gate;
    if (options.failStart?.(contexts.length)) throw new Error(`no config for start #${contexts.length}`);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const mcp = new McpServer({ name: `fake-${server.name}`, version: '1.0.0' });
    let ending: string | undefined;
    const instance: Instance = {
      number,
      calls: [],
      cancellations: [],
      mcp,
      closedByPool: false,
      crash: async (text = 'exited (exit code 3)') => {
        ending = text;
        context.onStderr(`${server.name}: crashing (${text})\n`);
        await serverSide.close();
      },
    };
    instances.push(instance);
    registerTools(instance);
    await mcp.connect(serverSide);
    const client = await context.initialize(clientSide);
    return {
      client,
      kind: 'in-memory',
      ending: () => (ending === undefined ? undefined : { text: ending }),
      close: async () => {
        instance.closedByPool = true;
        await client.close();
      },
    };
  };
  return { connect, instances, contexts, last: () => instances.at(-1)! };
}

function registerTools(instance: Instance): void {
  const { mcp } = instance;
  const wait = async (tool: string, ms: number, signal: AbortSignal) => {
    try {
      await sleep(ms, undefined, { signal });
    } catch (error) {
      instance.cancellations.push({ tool, reason: String(signal.reason) });
      throw error;
    }
  };
  const counted =
    <A>(name: string, handler: (args: A, signal: AbortSignal) => Promise<unknown>) =>
    async (args: A, extra: { signal: AbortSignal }) => {
      instance.calls.push(name);
      return (await handler(args, extra.signal)) as { content: [] };
    };
  mcp.registerTool(
    'echo',
    { inputSchema: { text: z.string().optional() } },
    counted('echo', async (args) => ({
      content: [{ type: 'text', text: args.text ?? '' }],
      structuredContent: args,
    })),
  );
  mcp.registerTool('meta', { inputSchema: {} }, async (_args, extra) => ({
    content: [],
    structuredContent: { ...(extra._meta ?? {}) },
  }));
  mcp.registerTool(
    'slow',
    { inputSchema: { ms: z.number() } },
    counted('slow', async ({ ms }: { ms: number }, signal) => {
      await wait('slow', ms, signal);
      return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
    }),
  );
  mcp.registerTool(
    'fail',
    { inputSchema: {} },
    counted('fail', async () => ({ content: [{ type: 'text', text: 'no such file' }], isError: true })),
  );
  mcp.registerTool(
    'crash',
    { inputSchema: {} },
    counted('crash', async () => {
      await instance.crash();
      return { content: [] };
    }),
  );
  mcp.registerTool(
    'add_tool',
    { inputSchema: { name: z.string() } },
    counted('add_tool', async ({ name }: { name: string }) => {
      mcp.registerTool(name, {}, async () => ({ content: [{ type: 'text', text: name }] }));
      return { content: [] };
    }),
  );
}

const server = (name: string, extra: Partial<UpstreamServer> = {}): UpstreamServer => ({
  name,
  // Never spawned: the tests' connection factory ignores the transport.
  transport: { type: 'stdio', command: 'unused', args: [], env: {} },
  ...extra,
});

const open: UpstreamPool[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((pool) => pool.close()));
});

/** A pool over `fake` that records every event. */
function poolOver(fake: { connect: ConnectionFactory }, options: Partial<UpstreamPoolOptions> = {}) {
  const events: UpstreamEvent[] = [];
  const pool = createUpstreamPool({
    servers: [server('s')],
    connect: fake.connect,
    restart: { backoffMs: 1 },
    ...options,
    onEvent: (event) => events.push(event),
  });
  open.push(pool);
  const states = () => events.flatMap((event) => (event.type === 'state' ? [event.state] : []));
  const calls = () => events.filter((event): event is CallEvent => event.type === 'call');
  return { pool, events, states, calls };
}

const failure = (promise: Promise<unknown>): Promise<UpstreamError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => {
      if (!isUpstreamError(error)) throw error;
      return error;
    },
  );

describe('starting', () => {
  test('a server starts on first use: idle → starting → ready, with its stderr and metadata', async () => {
    const fake = fakeServers();
    const { pool, events, states } = poolOver(fake);
    expect(pool.status()[0]).toMatchObject({ state: 'idle', connectedVia: undefined });
    expect(fake.instances).toHaveLength(0);

    const { tools, serverInfo } = await pool.metadata('s');
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'meta', 'slow', 'fail', 'crash', 'add_tool']);
    expect(serverInfo?.name).toBe('fake-s');
    expect(states()).toEqual(['starting', 'ready']);
    expect(events).toContainEqual({ type: 'stderr', server: 's', line: 's: start #1' });
    expect(pool.status()[0]).toMatchObject({
      state: 'ready',
      connectedVia: 'in-memory',
      restarts: 0,
      toolCount: 6,
      stderrTail: ['s: start #1'],
    });
  });

  test('20 concurrent first calls share one start', async () => {
    const fake = fakeServers();
    const { pool, states } = poolOver(fake);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => pool.callTool('s', 'echo', { text: String(index) })),
    );
    expect(results.map((result) => result.structuredContent)).toEqual(
      Array.from({ length: 20 }, (_, index) => ({ text: String(index) })),
    );
    expect(fake.contexts).toHaveLength(1);
    expect(fake.last().calls).toHaveLength(20);
    expect(states()).toEqual(['starting', 'ready']);
  });

  test('an idle server is stopped after idleTimeoutMs and started again, which is not a restart', async () => {
    const fake = fakeServers();
    const { pool, states } = poolOver(fake, { idleTimeoutMs: 30 });
    await pool.callTool('s', 'echo');
    await vi.waitFor(() => expect(pool.status()[0]!.state).toBe('idle'), { timeout: 2000, interval: 10 });
    expect(fake.instances[0]!.closedByPool).toBe(true);
    await pool.callTool('s', 'echo');
    expect(fake.instances).toHaveLength(2);
    expect(states()).toEqual(['starting', 'ready', 'idle', 'starting', 'ready']);
    expect(pool.status()[0]).toMatchObject({ restarts: 0, lastError: undefined });
  });

  test('a factory that returns a client initialize() did not make is START_FAILED', async () => {
    const fake = fakeServers();
    const { pool } = poolOver({
      connect: async (config, context) => {
        const connection = await fake.connect(config, context);
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        await new McpServer({ name: 'other', version: '1' }).connect(serverSide);
        const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
        const stranger = new Client({ name: 'stranger', version: '1' });
        await stranger.connect(clientSide);
        await connection.close?.();
        return { ...connection, client: stranger };
      },
    });
    const error = await failure(pool.connect('s'));
    expect(error.code).toBe('START_FAILED');
    expect(error.message).toContain('return the client initialize() gives');
  });
});

describe('calls', () => {
  test('results, tool errors and call events', async () => {
    const fake = fakeServers();
    const { pool, calls } = poolOver(fake);
    expect((await pool.callTool('s', 'echo', { text: 'hi' })).structuredContent).toEqual({ text: 'hi' });
    const failed = await pool.callTool('s', 'fail');
    expect(failed.isError).toBe(true);
    expect(calls().map((event) => [event.tool, event.outcome])).toEqual([
      ['echo', 'ok'],
      ['fail', 'tool_error'],
    ]);
    expect(calls()[0]!.durationMs).toBeGreaterThan(0);
  });

  test("a call's meta reaches the server as the request's _meta", async () => {
    const { pool } = poolOver(fakeServers());
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect((await pool.callTool('s', 'meta', {}, { meta: { traceparent } })).structuredContent).toEqual({
      traceparent,
    });
    expect((await pool.callTool('s', 'meta')).structuredContent).toEqual({});
  });

  test('aborting a call is ABORTED, and the upstream sees notifications/cancelled with the reason', async () => {
    const fake = fakeServers();
    const { pool, calls } = poolOver(fake);
    await pool.connect('s');
    const controller = new AbortController();
    const call = pool.callTool('s', 'slow', { ms: 30_000 }, { signal: controller.signal });
    await vi.waitFor(() => expect(fake.last().calls).toEqual(['slow']), { interval: 5 });
    controller.abort(new Error('user pressed stop'));
    const error = await failure(call);
    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain('"slow"');
    await vi.waitFor(() => expect(fake.last().cancellations).toHaveLength(1), { interval: 5 });
    expect(fake.last().cancellations[0]).toMatchObject({ tool: 'slow' });
    expect(fake.last().cancellations[0]!.reason).toContain('user pressed stop');
    expect(calls()[0]).toMatchObject({ outcome: 'aborted', errorCode: 'ABORTED' });
  });

  test('a call past its deadline is TIMEOUT, cancelled upstream, and the next call works', async () => {
    const fake = fakeServers();
    const { pool, calls } = poolOver(fake);
    await pool.connect('s');
    const error = await failure(pool.callTool('s', 'slow', { ms: 30_000 }, { timeoutMs: 50 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('50 ms');
    await vi.waitFor(() => expect(fake.last().cancellations).toHaveLength(1), { interval: 5 });
    expect((await pool.callTool('s', 'echo', { text: 'next' })).structuredContent).toEqual({ text: 'next' });
    expect(calls().map((event) => event.outcome)).toEqual(['timeout', 'ok']);
    expect(pool.status()[0]!.state).toBe('ready');
  });

  test('the deadline counts the start: a start slower than the call timeout is TIMEOUT', async () => {
    let open!: () => void;
    const fake = fakeServers({ gate: new Promise<void>((resolve) => (open = resolve)) });
    const { pool } = poolOver(fake);
    const error = await failure(pool.callTool('s', 'echo', {}, { timeoutMs: 30 }));
    expect(error.code).toBe('TIMEOUT');
    open();
    // The start went on for the next caller.
    expect((await pool.callTool('s', 'echo', { text: 'later' })).structuredContent).toEqual({
      text: 'later',
    });
    expect(fake.contexts).toHaveLength(1);
  });

  test('calls beyond maxConcurrency queue; an aborted queued call never reaches the server', async () => {
    const fake = fakeServers();
    const { pool } = poolOver(fake, { maxConcurrency: 1 });
    await pool.connect('s');
    const running = pool.callTool('s', 'slow', { ms: 100 });
    const controller = new AbortController();
    const queued = pool.callTool('s', 'echo', {}, { signal: controller.signal });
    expect(pool.status()[0]).toMatchObject({ active: 1, queued: 1 });
    controller.abort();
    expect((await failure(queued)).code).toBe('ABORTED');
    await running;
    expect(fake.last().calls).toEqual(['slow']);
  });
});

describe('crashes and restarts', () => {
  test('a crash fails the call in flight with how the server ended; the next call restarts it', async () => {
    const fake = fakeServers();
    const { pool, states, events } = poolOver(fake);
    await pool.callTool('s', 'echo');
    const error = await failure(pool.callTool('s', 'crash'));
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('Upstream server "s" exited (exit code 3) during tool "crash"');
    expect(error.stderrTail).toContain('s: crashing (exited (exit code 3))');
    expect(pool.status()[0]).toMatchObject({ state: 'crashed', lastError: { code: 'DISCONNECTED' } });
    const crashed = events.find((event) => event.type === 'state' && event.state === 'crashed');
    expect(crashed).toMatchObject({ previous: 'ready', error: { code: 'DISCONNECTED' } });

    await pool.callTool('s', 'echo');
    expect(fake.instances).toHaveLength(2);
    expect(states()).toEqual(['starting', 'ready', 'crashed', 'restarting', 'starting', 'ready']);
    expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 1 });
  });

  test('a server that ends between calls is restarted by the next call', async () => {
    const fake = fakeServers();
    const { pool } = poolOver(fake);
    await pool.callTool('s', 'echo');
    await fake.last().crash('closed its stream');
    expect(pool.status()[0]!.state).toBe('crashed');
    expect(pool.status()[0]!.lastError?.message).toContain('"s" closed its stream; it is restarted');
    expect((await pool.callTool('s', 'echo', { text: 'back' })).structuredContent).toEqual({ text: 'back' });
  });

  test('calls during the restart backoff wait for the restart and share it', async () => {
    const fake = fakeServers();
    const { pool } = poolOver(fake, { restart: { backoffMs: 80 } });
    await pool.callTool('s', 'echo');
    await fake.last().crash();
    const first = pool.callTool('s', 'echo', { text: 'a' });
    await vi.waitFor(() => expect(pool.status()[0]!.state).toBe('restarting'), { interval: 5 });
    const second = pool.callTool('s', 'echo', { text: 'b' });
    const metadata = pool.metadata('s');
    expect((await first).structuredContent).toEqual({ text: 'a' });
    expect((await second).structuredContent).toEqual({ text: 'b' });
    expect((await metadata).tools.length).toBeGreaterThan(0);
    expect(fake.contexts).toHaveLength(2);
    expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 1 });
  });

  test('crash after crash: restarted up to maxRestarts, then RESTART_LIMIT with the last error and stderr', async () => {
    const fake = fakeServers();
    const { pool, states } = poolOver(fake, { restart: { maxRestarts: 2, windowMs: 60_000, backoffMs: 1 } });
    const codes: string[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      codes.push((await failure(pool.callTool('s', 'crash'))).code);
    }
    expect(codes).toEqual(['DISCONNECTED', 'DISCONNECTED', 'DISCONNECTED']);
    const limit = await failure(pool.callTool('s', 'echo'));
    expect(limit.code).toBe('RESTART_LIMIT');
    expect(limit.message).toContain('failed after 2 restarts within 1 min');
    expect(limit.message).toContain('Last error: Upstream server "s" exited (exit code 3)');
    expect(limit.stderrTail).toContain('s: crashing (exited (exit code 3))');
    expect(fake.contexts).toHaveLength(3);
    expect(states().at(-1)).toBe('failed');
    expect(pool.status()[0]).toMatchObject({ state: 'failed', restarts: 2 });
    // Still refused, without a start.
    expect((await failure(pool.connect('s'))).code).toBe('RESTART_LIMIT');
    expect(fake.contexts).toHaveLength(3);
  });

  test('a failed start is START_FAILED with the stderr tail, retried on later use until the limit', async () => {
    const fake = fakeServers({ failStart: () => true });
    const { pool, states } = poolOver(fake, { restart: { maxRestarts: 1, backoffMs: 1 } });
    const first = await failure(pool.connect('s'));
    expect(first.code).toBe('START_FAILED');
    expect(first.message).toContain('Upstream server "s" failed to start: no config for start #1');
    expect(first.message).toContain('  | s: start #1');
    expect(first.stderrTail).toEqual(['s: start #1']);
    expect(pool.status()[0]!.state).toBe('failed');
    expect((await failure(pool.callTool('s', 'echo'))).code).toBe('START_FAILED');
    expect((await failure(pool.metadata('s'))).code).toBe('RESTART_LIMIT');
    expect(pool.status()[0]).toMatchObject({ state: 'failed', restarts: 1 });
    expect(states()).toEqual(['starting', 'failed', 'restarting', 'starting', 'failed']);
  });

  test('a good start after failures resets the backoff', async () => {
    const fake = fakeServers({ failStart: (start) => start === 1 });
    const { pool } = poolOver(fake, { restart: { backoffMs: 1 } });
    expect((await failure(pool.connect('s'))).code).toBe('START_FAILED');
    await pool.callTool('s', 'echo');
    expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 1 });
  });
});

describe('tools', () => {
  test('tools/list_changed refetches the list and emits toolsChanged', async () => {
    const fake = fakeServers();
    const { pool } = poolOver(fake);
    const before = await pool.metadata('s');
    const changed = new Promise<string[]>((resolve) =>
      pool.on('toolsChanged', (event) => resolve(event.tools.map((tool) => tool.name))),
    );
    await pool.callTool('s', 'add_tool', { name: 'fresh_tool' });
    expect(await changed).toContain('fresh_tool');
    expect((await pool.metadata('s')).tools).toHaveLength(before.tools.length + 1);
  });

  /** A low-level server whose tools/list pages are `pages` (cursor = index), and whose tools/call fails. */
  function pagedServer(pages: { names: string[]; next?: string }[]): ConnectionFactory {
    return async (_config, context) => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const low = new Server({ name: 'paged', version: '1' }, { capabilities: { tools: {} } });
      low.setRequestHandler(ListToolsRequestSchema, (request) => {
        const page = pages[Number(request.params?.cursor ?? 0)]!;
        return {
          tools: page.names.map((name) => ({ name, inputSchema: { type: 'object' as const } })),
          ...(page.next === undefined ? {} : { nextCursor: page.next }),
        };
      });
      low.setRequestHandler(CallToolRequestSchema, () => {
        throw new McpError(ErrorCode.InvalidParams, 'no such tool here');
      });
      await low.connect(serverSide);
      return { client: await context.initialize(clientSide), kind: 'in-memory' };
    };
  }

  test('metadata reads every page of tools/list', async () => {
    const { pool } = poolOver({
      connect: pagedServer([{ names: ['a', 'b'], next: '1' }, { names: ['c'], next: '2' }, { names: ['d'] }]),
    });
    expect((await pool.metadata('s')).tools.map((tool) => tool.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  test('a looping cursor is PROTOCOL_ERROR; a JSON-RPC error of tools/call is RPC_ERROR', async () => {
    const { pool } = poolOver({
      connect: pagedServer([
        { names: ['a'], next: '1' },
        { names: ['b'], next: '1' },
      ]),
    });
    const loop = await failure(pool.metadata('s'));
    expect(loop.code).toBe('PROTOCOL_ERROR');
    expect(loop.message).toContain('repeated the tools/list cursor "1"');
    const rpc = await failure(pool.callTool('s', 'anything'));
    expect(rpc).toMatchObject({ code: 'RPC_ERROR', rpcCode: ErrorCode.InvalidParams, tool: 'anything' });
    // Neither is a crash.
    expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 0 });
  });
});

describe('closing', () => {
  test('close() while calls are in flight and queued: they fail with CLOSED, and so does later use', async () => {
    const fake = fakeServers();
    const { pool, states } = poolOver(fake, { maxConcurrency: 2 });
    await pool.connect('s');
    const inFlight = [1, 2, 3].map(() => failure(pool.callTool('s', 'slow', { ms: 30_000 })));
    await vi.waitFor(() => expect(fake.last().calls).toHaveLength(2), { interval: 5 });
    await pool.close();
    expect((await Promise.all(inFlight)).map((error) => error.code)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);
    expect(fake.last().closedByPool).toBe(true);
    expect(states().at(-1)).toBe('closed');
    expect((await failure(pool.callTool('s', 'echo'))).code).toBe('CLOSED');
    expect((await failure(pool.metadata('s'))).code).toBe('CLOSED');
    await pool.close();
  });

  test('close() during a start aborts the start: the waiting call is CLOSED, the factory sees its signal', async () => {
    let open!: () => void;
    const fake = fakeServers({ gate: new Promise<void>((resolve) => (open = resolve)) });
    const { pool } = poolOver(fake);
    const call = failure(pool.callTool('s', 'echo'));
    await vi.waitFor(() => expect(fake.contexts).toHaveLength(1), { interval: 5 });
    const closing = pool.close();
    expect(fake.contexts[0]!.signal.aborted).toBe(true);
    open();
    await closing;
    expect((await call).code).toBe('CLOSED');
    expect(pool.status()[0]!.state).toBe('closed');
  });
  test('an aborted signal stops the waiting of connect, metadata and close (ABORTED), not the work', async () => {
    let open!: () => void;
    const fake = fakeServers({ gate: new Promise<void>((resolve) => (open = resolve)) });
    const { pool } = poolOver(fake);
    const controller = new AbortController();
    const connecting = failure(pool.connect('s', { signal: controller.signal }));
    const listing = failure(pool.metadata('s', { signal: controller.signal }));
    controller.abort();
    expect((await connecting).code).toBe('ABORTED');
    expect((await listing).message).toBe('Aborted while trying to list the tools of upstream server "s".');
    open();
    // The start the aborted callers began goes on for the next one.
    await pool.connect('s');
    expect(fake.contexts).toHaveLength(1);
    expect((await failure(pool.close({ signal: AbortSignal.abort() }))).code).toBe('ABORTED');
    await pool.close();
    expect(pool.status()[0]!.state).toBe('closed');
  });
});

describe('configuration and events', () => {
  test('unknown, disabled and duplicate servers are typed errors, reported as call events', async () => {
    const fake = fakeServers();
    const { pool, calls } = poolOver(fake, { servers: [server('s'), server('off', { enabled: false })] });
    expect((await failure(pool.callTool('nope', 'echo'))).code).toBe('SERVER_UNKNOWN');
    expect((await failure(pool.metadata('off'))).code).toBe('SERVER_DISABLED');
    expect(pool.status().map((status) => status.state)).toEqual(['idle', 'disabled']);
    expect(calls()).toMatchObject([{ server: 'nope', outcome: 'error', errorCode: 'SERVER_UNKNOWN' }]);
    expect(() => createUpstreamPool({ servers: [server('x'), server('x')] })).toThrow(/Two upstream servers/);
  });

  test('per-server tuning overrides the pool-wide one', async () => {
    const fake = fakeServers();
    const { pool } = poolOver(fake, {
      servers: [server('s'), server('quick')],
      callTimeoutMs: 10_000,
      perServer: { quick: { callTimeoutMs: 20 } },
    });
    await Promise.all([pool.connect('s'), pool.connect('quick')]);
    expect((await failure(pool.callTool('quick', 'slow', { ms: 5000 }))).code).toBe('TIMEOUT');
    expect((await pool.callTool('s', 'slow', { ms: 30 })).isError).toBeFalsy();
  });

  test('on() subscribes to one kind and unsubscribes; a throwing listener is logged, the pool goes on', async () => {
    const fake = fakeServers();
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => logged.push(message) };
    const { pool } = poolOver(fake, { logger });
    const seen: ServerState[] = [];
    const off = pool.on('state', (event) => seen.push(event.state));
    pool.on('call', () => {
      throw new Error('listener bug');
    });
    await pool.callTool('s', 'echo');
    off();
    await pool.close();
    expect(seen).toEqual(['starting', 'ready']);
    expect(logged).toEqual(['an upstream-pool event listener threw']);
  });
});
