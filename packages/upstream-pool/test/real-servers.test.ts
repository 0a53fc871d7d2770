import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import type { UpstreamServer } from '../src/index.js';
import { binOf, freePort, poolFixture, type ServerProcess, startProcess, textOf } from './helpers.js';

// Real servers from the registry, run from this package's node_modules (never downloaded at test time).
const EVERYTHING = binOf('@modelcontextprotocol/server-everything');
const FILESYSTEM = binOf('@modelcontextprotocol/server-filesystem');

const pools = poolFixture({ afterEach, afterAll });
const LONG = 120_000;
const started: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

async function everythingOver(mode: 'streamableHttp' | 'sse'): Promise<number> {
  const port = await freePort();
  started.push(
    await startProcess(process.execPath, [EVERYTHING, mode], {
      env: { PORT: String(port) },
      ready: /listening on port|is running on port/i,
    }),
  );
  return port;
}

test(
  'server-everything over stdio: tools, a call, and the environment it gets',
  async () => {
    process.env.CODEXEC_POOL_TEST_SECRET = 'must-not-leak';
    try {
      const pool = pools.open({
        servers: [
          {
            name: 'everything',
            transport: {
              type: 'stdio',
              command: process.execPath,
              args: [EVERYTHING, 'stdio'],
              env: { CODEXEC_MARKER: 'm1' },
            },
          },
        ],
      });
      const { tools, serverInfo } = await pool.metadata('everything');
      expect(serverInfo?.name).toMatch(/everything/i);
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
      expect(textOf(await pool.callTool('everything', 'echo', { message: 'hi there' }))).toBe(
        'Echo: hi there',
      );
      const env = JSON.parse(textOf(await pool.callTool('everything', 'get-env'))) as Record<string, string>;
      expect(env.CODEXEC_MARKER).toBe('m1');
      expect(env.CODEXEC_POOL_TEST_SECRET).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      delete process.env.CODEXEC_POOL_TEST_SECRET;
    }
  },
  LONG,
);

test(
  'server-everything over Streamable HTTP',
  async () => {
    const port = await everythingOver('streamableHttp');
    const pool = pools.open({
      servers: [
        { name: 'everything', transport: { type: 'http', url: `http://127.0.0.1:${port}/mcp`, headers: {} } },
      ],
    });
    expect(textOf(await pool.callTool('everything', 'echo', { message: 'over http' }))).toBe(
      'Echo: over http',
    );
    expect((await pool.metadata('everything')).tools.length).toBeGreaterThan(5);
    expect(pool.status()[0]!.connectedVia).toBe('streamable-http');
  },
  LONG,
);

test(
  'server-everything over legacy SSE: type "sse" connects directly, type "http" falls back to it',
  async () => {
    const port = await everythingOver('sse');
    const url = `http://127.0.0.1:${port}/sse`;
    const servers: UpstreamServer[] = [
      { name: 'direct', transport: { type: 'sse', url, headers: {} } },
      { name: 'fallback', transport: { type: 'http', url, headers: {} } },
    ];
    const pool = pools.open({ servers });
    expect(textOf(await pool.callTool('direct', 'echo', { message: 'sse' }))).toBe('Echo: sse');
    expect(textOf(await pool.callTool('fallback', 'echo', { message: 'fell back' }))).toBe('Echo: fell back');
    expect(pool.status().map((status) => status.connectedVia)).toEqual(['sse', 'sse']);
  },
  LONG,
);

test(
  'server-filesystem: list and read a temporary directory',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codexec-pool-fs-'));
    try {
      await writeFile(join(dir, 'notes.txt'), 'first line\nsecond line\n');
      await writeFile(join(dir, 'data.json'), '{"answer":42}\n');
      const pool = pools.open({
        servers: [
          {
            name: 'files',
            transport: { type: 'stdio', command: process.execPath, args: [FILESYSTEM, dir], env: {} },
          },
        ],
      });
      const listing = textOf(await pool.callTool('files', 'list_directory', { path: dir }));
      expect(listing.split('\n').sort()).toEqual(['[FILE] data.json', '[FILE] notes.txt']);
      const read = await pool.callTool('files', 'read_text_file', { path: join(dir, 'notes.txt') });
      expect(textOf(read)).toBe('first line\nsecond line\n');
      // Outside the allowed directory: the server refuses, as a tool error, not a transport failure.
      const outside = await pool.callTool('files', 'read_text_file', { path: '/etc/hostname' });
      expect(outside.isError).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  LONG,
);
