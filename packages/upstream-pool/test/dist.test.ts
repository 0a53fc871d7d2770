import { existsSync } from 'node:fs';
import { ON_CI } from '@codexec/test-support';
import { afterAll, describe, expect, test } from 'vitest';
import { eventually, survivors, testServer } from './helpers.js';

// The published build, not the source: what users of the package import.
const dist = new URL('../dist/index.js', import.meta.url);
const missing = !existsSync(dist);
if (missing && !ON_CI) {
  console.warn(
    `\n!!! SKIPPING the upstream-pool dist test: ${dist.pathname} does not exist. ` +
      'Run `pnpm --filter @codexec/upstream-pool build` (the test command builds first).\n',
  );
}

const groups: number[] = [];
afterAll(async () => {
  expect(
    await eventually(
      () => survivors({ groups }),
      (rows) => rows.length === 0,
    ),
  ).toEqual([]);
});

describe.skipIf(missing && !ON_CI)('@codexec/upstream-pool dist', () => {
  test('starts a server, lists its tools, calls one, reports typed errors, and closes', async () => {
    const lib = (await import(dist.href)) as typeof import('../src/index.js');
    const events: string[] = [];
    const pool = lib.createUpstreamPool({
      servers: [testServer('t', 'paginated')],
      onEvent: (event) => {
        events.push(event.type);
        if (event.type === 'state' && event.pid !== undefined) groups.push(event.pid);
      },
    });
    try {
      const { tools } = await pool.metadata('t');
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'crash', 'huge']));
      expect((await pool.callTool('t', 'echo', { from: 'dist' })).structuredContent).toEqual({
        from: 'dist',
      });
      const error = await pool.callTool('missing', 'echo').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(lib.UpstreamError);
      expect(error).toMatchObject({ code: 'SERVER_UNKNOWN' });
      expect(pool.status()[0]).toMatchObject({ name: 't', state: 'ready', restarts: 0 });
      expect(events).toContain('call');
    } finally {
      await pool.close();
    }
    expect(pool.status()[0]!.state).toBe('closed');
  }, 120_000);
});
