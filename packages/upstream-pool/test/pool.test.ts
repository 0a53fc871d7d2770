import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { CallEvent, ToolsChangedEvent, UpstreamError } from '../src/index.js';
import {
  eventually,
  expectedHugeText,
  poolFixture,
  survivors,
  testServer,
  testServerArgs,
  textOf,
  until,
} from './helpers.js';

const pools = poolFixture({ afterEach, afterAll });
const LONG = 120_000;

type PidInfo = { pid: number; childPid: number | null; cwd: string; calls: number };
const pidOf = (result: { structuredContent?: unknown }) => result.structuredContent as PidInfo;

describe('starting', () => {
  test(
    '50 concurrent first calls start the server once',
    async () => {
      let starts = 0;
      const pool = pools.open({
        servers: [testServer('t')],
        onEvent: (event) => {
          if (event.type === 'state' && event.state === 'starting') starts += 1;
        },
      });
      const results = await Promise.all(Array.from({ length: 50 }, () => pool.callTool('t', 'pid')));
      const pids = new Set(results.map((result) => pidOf(result).pid));
      expect(pids.size).toBe(1);
      expect(starts).toBe(1);
      expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 0, pid: [...pids][0] });
      // The server saw all 50 calls, in one process.
      expect(pidOf(await pool.callTool('t', 'pid')).calls).toBe(51);
    },
    LONG,
  );

  test(
    'the server is kept warm between calls',
    async () => {
      const pool = pools.open({ servers: [testServer('t')] });
      const first = pidOf(await pool.callTool('t', 'pid'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(pidOf(await pool.callTool('t', 'pid')).pid).toBe(first.pid);
    },
    LONG,
  );

  test(
    'an idle server is stopped after idleTimeoutMs and started again on the next call',
    async () => {
      const pool = pools.open({ servers: [testServer('t')], idleTimeoutMs: 300 });
      const first = pidOf(await pool.callTool('t', 'pid')).pid;
      const state = await eventually(
        () => pool.status()[0]!.state,
        (value) => value === 'idle',
      );
      expect(state).toBe('idle');
      expect(
        await eventually(
          () => survivors({ groups: [first] }),
          (rows) => rows.length === 0,
        ),
      ).toEqual([]);
      const second = pidOf(await pool.callTool('t', 'pid')).pid;
      expect(second).not.toBe(first);
      // Stopping for idleness is not a crash.
      expect(pool.status()[0]).toMatchObject({ restarts: 0, lastError: undefined });
    },
    LONG,
  );
});

describe('calls', () => {
  test(
    'echo returns its arguments as text and structured content; events report each call',
    async () => {
      const events: CallEvent[] = [];
      const pool = pools.open({ servers: [testServer('t')] });
      pool.on('call', (event) => events.push(event));
      const args = { text: 'héllo', list: [1, 2, { deep: true }] };
      const result = await pool.callTool('t', 'echo', args);
      expect(JSON.parse(textOf(result))).toEqual(args);
      expect(result.structuredContent).toEqual(args);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'call', server: 't', tool: 'echo', outcome: 'ok' });
      expect(events[0]!.durationMs).toBeGreaterThan(0);
    },
    LONG,
  );

  test(
    'an isError result is returned as a result',
    async () => {
      const events: CallEvent[] = [];
      const pool = pools.open({ servers: [testServer('t')] });
      pool.on('call', (event) => events.push(event));
      const result = await pool.callTool('t', 'error', { message: 'no such file' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe('no such file');
      expect(events[0]?.outcome).toBe('tool_error');
    },
    LONG,
  );

  test(
    'a 20 MiB result arrives intact',
    async () => {
      const pool = pools.open({ servers: [testServer('t')] });
      const result = await pool.callTool('t', 'huge', { mib: 20 });
      const text = textOf(result);
      const expected = expectedHugeText(20 * 1024 * 1024);
      expect(text.length).toBe(expected.length);
      expect(text === expected).toBe(true);
      expect(result.structuredContent).toEqual({
        bytes: expected.length,
        sha256: createHash('sha256').update(text).digest('hex'),
      });
    },
    LONG,
  );

  test(
    'a message over maxMessageBytes is a PROTOCOL failure, and the server is restarted on the next call',
    async () => {
      const pool = pools.open({ servers: [testServer('t')], maxMessageBytes: 1024 * 1024 });
      const first = pidOf(await pool.callTool('t', 'pid')).pid;
      const error = (await pool.callTool('t', 'huge', { mib: 2 }).catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('PROTOCOL');
      expect(error.message).toContain('a message over 1048576 bytes');
      expect(pidOf(await pool.callTool('t', 'pid')).pid).not.toBe(first);
    },
    LONG,
  );

  test(
    'a hanging call times out, is cancelled upstream, and the next call works',
    async () => {
      const events: CallEvent[] = [];
      const pool = pools.open({ servers: [testServer('t')] });
      pool.on('call', (event) => events.push(event));
      await pool.connect('t');
      const error = (await pool
        .callTool('t', 'hang', {}, { timeoutMs: 1000 })
        .catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toContain('"hang"');
      expect(error.message).toContain('1000 ms');
      const next = await pool.callTool('t', 'add', { a: 2, b: 3 });
      expect(next.structuredContent).toEqual({ sum: 5 });
      const seen = await pool.callTool('t', 'last_cancelled');
      expect((seen.structuredContent as { cancellations: { tool: string }[] }).cancellations).toEqual([
        expect.objectContaining({ tool: 'hang' }),
      ]);
      expect(events.map((event) => event.outcome)).toEqual(['timeout', 'ok', 'ok']);
    },
    LONG,
  );

  test(
    'aborting the signal cancels the call upstream: the server records the cancellation',
    async () => {
      const pool = pools.open({ servers: [testServer('t')] });
      await pool.connect('t');
      const controller = new AbortController();
      const call = pool.callTool('t', 'slow', { ms: 60_000 }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('user pressed stop')), 500);
      const error = (await call.catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('CANCELLED');
      const seen = await until(
        async () =>
          (await pool.callTool('t', 'last_cancelled')).structuredContent as {
            count: number;
            cancellations: { tool: string; reason: string }[];
          },
        (value) => value.count > 0,
      );
      expect(seen.count).toBe(1);
      expect(seen.cancellations[0]).toMatchObject({ tool: 'slow' });
      expect(seen.cancellations[0]!.reason).toContain('user pressed stop');
    },
    LONG,
  );

  test(
    'calls beyond maxConcurrency wait in a queue, and a queued call can be cancelled without reaching the server',
    async () => {
      const pool = pools.open({ servers: [testServer('t')], maxConcurrency: 2 });
      await pool.connect('t');
      const running = [pool.callTool('t', 'slow', { ms: 1500 }), pool.callTool('t', 'slow', { ms: 1500 })];
      const controller = new AbortController();
      const queued = pool.callTool('t', 'echo', { queued: true }, { signal: controller.signal });
      const status = await eventually(
        () => pool.status()[0]!,
        (value) => value.active === 2 && value.queued === 1,
      );
      expect(status).toMatchObject({ active: 2, queued: 1 });
      controller.abort();
      expect(((await queued.catch((e: unknown) => e)) as UpstreamError).code).toBe('CANCELLED');
      await Promise.all(running);
      // Two slow calls, then this one: the cancelled echo never reached the server.
      expect(pidOf(await pool.callTool('t', 'pid')).calls).toBe(3);
    },
    LONG,
  );
});

describe('tools', () => {
  test(
    'metadata reads every page of a paginated tools/list',
    async () => {
      // The test server really paginates: a plain client sees a first page with a cursor.
      const client = new Client({ name: 'check', version: '1' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: testServerArgs('paginated'),
          stderr: 'ignore',
        }),
      );
      const first = await client.listTools();
      await client.close();
      expect(first.nextCursor).toBeDefined();

      const pool = pools.open({ servers: [testServer('t', 'paginated')] });
      const metadata = await pool.metadata('t');
      const names = metadata.tools.map((tool) => tool.name);
      expect(names.length).toBeGreaterThan(first.tools.length);
      expect(names).toEqual(expect.arrayContaining(['echo', 'add', 'pid', 'huge', 'crash']));
      expect(new Set(names).size).toBe(names.length);
      expect(metadata.serverInfo?.name).toBe('codexec-test-server');
      expect(pool.status()[0]!.toolCount).toBe(names.length);
    },
    LONG,
  );

  test(
    'a tools/list_changed notification refreshes the metadata and fires toolsChanged',
    async () => {
      const pool = pools.open({ servers: [testServer('t', 'paginated')] });
      const before = await pool.metadata('t');
      expect(before.tools.map((tool) => tool.name)).not.toContain('fresh_tool');
      const changed = new Promise<ToolsChangedEvent>((resolve) => {
        pool.on('toolsChanged', resolve);
      });
      await pool.callTool('t', 'add_tool', { name: 'fresh_tool' });
      const event = await changed;
      expect(event.server).toBe('t');
      expect(event.tools.map((tool) => tool.name)).toContain('fresh_tool');
      const after = await pool.metadata('t');
      expect(after.tools.map((tool) => tool.name)).toContain('fresh_tool');
      expect(after.tools).toHaveLength(before.tools.length + 1);
      expect(textOf(await pool.callTool('t', 'fresh_tool'))).toBe('fresh_tool');
    },
    LONG,
  );

  test(
    'many-tools mode offers 60 tools with realistic schemas',
    async () => {
      const pool = pools.open({ servers: [testServer('t', 'many-tools')] });
      const { tools } = await pool.metadata('t');
      const generated = tools.filter((tool) => /^(list|get|create|update|delete|search)_/.test(tool.name));
      expect(generated).toHaveLength(60);
      expect(generated.find((tool) => tool.name === 'create_issue')?.inputSchema).toMatchObject({
        type: 'object',
        required: expect.arrayContaining(['owner', 'repo', 'title']),
      });
    },
    LONG,
  );
});

describe('crashes and restarts', () => {
  test(
    'a crash mid-session fails the call in flight and the next call restarts the server',
    async () => {
      const pool = pools.open({ servers: [testServer('t', 'chatter')], restart: { backoffMs: 50 } });
      const first = pidOf(await pool.callTool('t', 'pid')).pid;
      const error = (await pool.callTool('t', 'crash').catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('DISCONNECTED');
      expect(error.message).toContain('exit code 3');
      expect(error.stderrTail).toContain('crash tool called: exiting with code 3');
      expect(pool.status()[0]!.state).toBe('crashed');
      const second = pidOf(await pool.callTool('t', 'pid')).pid;
      expect(second).not.toBe(first);
      expect(pool.status()[0]).toMatchObject({ state: 'ready', restarts: 1 });
    },
    LONG,
  );

  test(
    'crash-after=N answers N calls, then exits on the next one',
    async () => {
      const pool = pools.open({ servers: [testServer('t', 'crash-after=2')], restart: { backoffMs: 50 } });
      await pool.callTool('t', 'echo', { n: 1 });
      await pool.callTool('t', 'echo', { n: 2 });
      const error = (await pool.callTool('t', 'echo', { n: 3 }).catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('DISCONNECTED');
      expect((await pool.callTool('t', 'echo', { n: 4 })).structuredContent).toEqual({ n: 4 });
    },
    LONG,
  );

  test(
    'after the restart limit the server is reported as failed, with its stderr tail',
    async () => {
      const pool = pools.open({
        servers: [testServer('t', 'crash-after=0', 'chatter')],
        restart: { maxRestarts: 2, windowMs: 600_000, backoffMs: 20 },
      });
      const codes: string[] = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        codes.push(((await pool.callTool('t', 'echo').catch((e: unknown) => e)) as UpstreamError).code);
      }
      expect(codes).toEqual(['DISCONNECTED', 'DISCONNECTED', 'DISCONNECTED']);
      const error = (await pool.callTool('t', 'echo').catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('RESTART_LIMIT');
      expect(error.server).toBe('t');
      expect(error.message).toContain('2 restarts');
      expect(error.message).toContain('crash-after=0: exiting on call #1');
      expect(error.stderrTail.some((line) => line.includes('crash-after=0'))).toBe(true);
      expect(pool.status()[0]).toMatchObject({ state: 'failed', restarts: 2 });
    },
    LONG,
  );
});

describe('configuration', () => {
  test(
    'cwd is honoured and the environment is the safe defaults plus the entry env',
    async () => {
      process.env.CODEXEC_POOL_TEST_SECRET = 'must-not-leak';
      try {
        const pool = pools.open({
          servers: [testServer('t', { cwd: '/tmp', env: { CODEXEC_MARKER: 'from-entry' } })],
        });
        expect(pidOf(await pool.callTool('t', 'pid')).cwd).toBe('/tmp');
        const env = await pool.callTool('t', 'env', {
          names: ['CODEXEC_MARKER', 'CODEXEC_POOL_TEST_SECRET', 'PATH'],
        });
        expect(env.structuredContent).toEqual({
          CODEXEC_MARKER: 'from-entry',
          CODEXEC_POOL_TEST_SECRET: null,
          PATH: process.env.PATH,
        });
      } finally {
        delete process.env.CODEXEC_POOL_TEST_SECRET;
      }
    },
    LONG,
  );

  test('unknown and disabled servers are typed errors', async () => {
    const pool = pools.open({ servers: [{ ...testServer('off'), enabled: false }] });
    await expect(pool.callTool('nope', 'echo')).rejects.toMatchObject({ code: 'SERVER_UNKNOWN' });
    await expect(pool.metadata('off')).rejects.toMatchObject({ code: 'SERVER_DISABLED' });
    expect(pool.status()[0]!.state).toBe('disabled');
  });

  test(
    'after close() calls fail with CLOSED, and a call in flight is ended',
    async () => {
      const pool = pools.open({ servers: [testServer('t')] });
      await pool.connect('t');
      const inFlight = pool.callTool('t', 'slow', { ms: 60_000 }).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await pool.close();
      expect(((await inFlight) as UpstreamError).code).toBe('CLOSED');
      await expect(pool.callTool('t', 'echo')).rejects.toMatchObject({ code: 'CLOSED' });
      expect(pool.status()[0]!.state).toBe('closed');
    },
    LONG,
  );
});
