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

// The state machine's logic (single-flight starts, restarts and their limit, the queue, abort, timeout, close with
// calls in flight, events) is tested in process in src/pool.test.ts. These tests prove it against real processes.
const pools = poolFixture({ afterEach, afterAll });
const LONG = 120_000;

type PidInfo = { pid: number; childPid: number | null; cwd: string; calls: number };
const pidOf = (result: { structuredContent?: unknown }) => result.structuredContent as PidInfo;

describe('starting', () => {
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
    'a message over maxMessageBytes is a PROTOCOL_ERROR failure, and the server is restarted on the next call',
    async () => {
      const pool = pools.open({ servers: [testServer('t')], maxMessageBytes: 1024 * 1024 });
      const first = pidOf(await pool.callTool('t', 'pid')).pid;
      const error = (await pool.callTool('t', 'huge', { mib: 2 }).catch((e: unknown) => e)) as UpstreamError;
      expect(error.code).toBe('PROTOCOL_ERROR');
      expect(error.message).toContain('a message over 1048576 bytes');
      expect(pidOf(await pool.callTool('t', 'pid')).pid).not.toBe(first);
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
      expect(error.code).toBe('ABORTED');
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
});
