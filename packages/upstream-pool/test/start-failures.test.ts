import { afterAll, afterEach, expect, test } from 'vitest';
import type { UpstreamError } from '../src/index.js';
import { eventually, poolFixture, survivors, testServer } from './helpers.js';

const pools = poolFixture({ afterEach, afterAll });
const LONG = 120_000;
const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as UpstreamError,
  );

test(
  'a server whose command does not exist fails alone, with a clear error; another server keeps working',
  async () => {
    const pool = pools.open({
      servers: [
        {
          name: 'ghost',
          transport: { type: 'stdio', command: 'codexec-no-such-command', args: ['--x'], env: {} },
        },
        testServer('good'),
      ],
    });
    const [ghost, good] = await Promise.allSettled([
      pool.callTool('ghost', 'echo'),
      pool.callTool('good', 'echo', { ok: 1 }),
    ]);
    expect(ghost.status).toBe('rejected');
    const error = (ghost as PromiseRejectedResult).reason as UpstreamError;
    expect(error.code).toBe('START_FAILED');
    expect(error.server).toBe('ghost');
    expect(error.message).toContain('"ghost"');
    expect(error.message).toContain('command "codexec-no-such-command --x" was not found');
    expect(good).toMatchObject({ status: 'fulfilled', value: { structuredContent: { ok: 1 } } });
    expect(pool.status().map((status) => [status.name, status.state])).toEqual([
      ['ghost', 'failed'],
      ['good', 'ready'],
    ]);
  },
  LONG,
);

test(
  'a server that exits at once: START_FAILED with the exit code and its stderr',
  async () => {
    const pool = pools.open({ servers: [testServer('quits', 'exit-at-start=7')] });
    const error = await fail(pool.callTool('quits', 'echo'));
    expect(error.code).toBe('START_FAILED');
    expect(error.message).toContain('exited before answering initialize (exit code 7)');
    expect(error.message).toContain('exit-at-start: exiting with code 7 before speaking MCP');
    expect(error.stderrTail).toContain('exit-at-start: exiting with code 7 before speaking MCP');
  },
  LONG,
);

test(
  'a server that never answers initialize: START_FAILED after startTimeoutMs, and its process is ended',
  async () => {
    const pool = pools.open({ servers: [testServer('mute', 'silent')], startTimeoutMs: 4000 });
    const error = await fail(pool.callTool('mute', 'echo'));
    expect(error.code).toBe('START_FAILED');
    expect(error.message).toContain('did not answer initialize within 4000 ms');
    const pid = Number(/silent: pid (\d+)/.exec(error.stderrTail.join('\n'))?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(
      await eventually(
        () => survivors({ groups: [pid] }),
        (rows) => rows.length === 0,
        5000,
      ),
    ).toEqual([]);
  },
  LONG,
);

test('a missing cwd is CWD_MISSING, naming the directory', async () => {
  const pool = pools.open({ servers: [testServer('lost', { cwd: '/nonexistent/codexec-dir' })] });
  const error = await fail(pool.callTool('lost', 'echo'));
  expect(error.code).toBe('CWD_MISSING');
  expect(error.message).toContain('"/nonexistent/codexec-dir"');
  expect(error.message).toContain('"lost"');
});
