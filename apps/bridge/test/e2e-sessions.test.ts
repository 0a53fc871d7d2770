import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { getEncoding } from 'js-tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bridgeEnv,
  connectStdio,
  containerExists,
  containersWithLabel,
  createFixture,
  DIST_CLI,
  distStatus,
  type Engine,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  stdoutOf,
  structuredOf,
  textOf,
  until,
} from './harness.js';

// Sessions through real MCP clients: state that persists between run_python calls, named workspaces, reset,
// interrupts that keep the state, isolation between HTTP clients, and nothing left behind at the end.

const dist = distStatus();
const engines: Engine[] = ['podman', 'docker'];
const statuses = Object.fromEntries(
  await Promise.all(engines.map(async (engine) => [engine, await engineStatus(engine)] as const)),
);

type Call = (args: Record<string, unknown>, options?: { signal?: AbortSignal }) => Promise<unknown>;

function sessionOf(result: unknown): Record<string, unknown> {
  return (structuredOf(result).session ?? {}) as Record<string, unknown>;
}

for (const engine of engines) {
  const skip = shouldSkip(dist, statuses[engine]!);

  describe.skipIf(skip)(`sessions over stdio, on ${engine}`, { timeout: LONG }, () => {
    let fixture: Fixture;
    let bridge: StdioSession;
    let call: Call;

    beforeAll(async () => {
      fixture = await createFixture();
      bridge = await connectStdio(fixture, engine, { env: { MCP_BRIDGE_POOL_SIZE: '1' } });
      call = (args, options = {}) =>
        bridge.client.callTool({ name: 'run_python', arguments: args }, undefined, {
          timeout: LONG,
          ...options,
        });
    }, LONG);

    afterAll(async () => {
      await bridge?.close();
      await fixture?.cleanup();
    }, LONG);

    it('keeps x = 42 for the next call, with imports, functions and files', async () => {
      const first = await call({
        code: 'import json\nx = 42\ndef double(n):\n    return 2 * n\nopen("/workspace/a.txt", "w").write("kept")',
      });
      expect(structuredOf(first)).toMatchObject({ status: 'success' });
      expect(sessionOf(first)).toEqual({ name: 'default', run: 1, state: 'new' });
      const second = await call({
        code: 'print(x, double(x), json.dumps([x]))\nopen("/workspace/a.txt").read()',
      });
      expect(stdoutOf(second)).toEqual(['42 84 [42]']);
      expect(structuredOf(second).value).toBe('kept');
      expect(sessionOf(second)).toEqual({ name: 'default', run: 2, state: 'kept' });
      // The text is a TOON block or minified JSON, whichever is smaller; either way it says the session.
      expect(textOf(second)).toMatch(
        /session:\n\s+name: default\n\s+run: 2\n\s+state: kept|"session":\{"name":"default","run":2,"state":"kept"\}/,
      );
    });

    it('keeps a function that calls tools, and the proxies of a later call', async () => {
      await call({
        code: 'async def total(a, b):\n    return (await mcp_test.add(a=a, b=b))["sum"]',
        servers: ['test'],
      });
      const result = await call({ code: 'await total(40, 2)', servers: ['test'] });
      expect(structuredOf(result)).toMatchObject({ status: 'success', value: 42, calls: 1 });
    });

    it('keeps named sessions apart, and reset clears one', async () => {
      await call({ code: 'who = "alpha"', session: 'alpha' });
      await call({ code: 'who = "beta"\nopen("/workspace/b", "w").write("b")', session: 'beta' });
      expect(structuredOf(await call({ code: 'who', session: 'alpha' })).value).toBe('alpha');
      expect(structuredOf(await call({ code: 'who', session: 'beta' })).value).toBe('beta');
      const isolated = await call({
        code: 'import os\n["who" in globals(), os.path.exists("/workspace/b")]',
      });
      expect(structuredOf(isolated).value).toEqual([false, false]);

      const reset = await call({
        code: 'import os\n["who" in globals(), os.path.exists("/workspace/b")]',
        session: 'beta',
        reset: true,
      });
      expect(structuredOf(reset).value).toEqual([false, false]);
      expect(sessionOf(reset)).toMatchObject({
        name: 'beta',
        run: 3,
        state: 'new',
        reason: 'a reset was asked for',
      });
    });

    it('refuses a bad session name clearly', async () => {
      const result = await call({ code: '1', session: '../etc' });
      expect(structuredOf(result)).toMatchObject({ status: 'validation_error' });
      expect(textOf(result)).toMatch(/`session` must be a name/);
    });

    it('a timeout interrupts the code and keeps the state', async () => {
      await call({ code: 'survivor = "still here"', session: 'slow' });
      const timedOut = await call({
        code: 'import time\nwhile True:\n    time.sleep(0.1)',
        session: 'slow',
        timeout: 1,
      });
      expect(structuredOf(timedOut)).toMatchObject({ status: 'timeout' });
      expect(String(structuredOf(timedOut).error)).toMatch(/interrupted; the session's state is kept/);
      expect(structuredOf(await call({ code: 'survivor', session: 'slow' })).value).toBe('still here');
    });

    it('a cancelled call keeps the state when the code stops', async () => {
      await call({ code: 'survivor = 1', session: 'cancel' });
      const controller = new AbortController();
      const pending = call(
        { code: 'import time\nprint("go", flush=True)\ntime.sleep(60)', session: 'cancel' },
        {
          signal: controller.signal,
        },
      );
      pending.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 1500));
      controller.abort('changed my mind');
      await expect(pending).rejects.toThrow();
      const after = await call({ code: 'survivor + 1', session: 'cancel' });
      expect(structuredOf(after)).toMatchObject({ status: 'success', value: 2 });
      expect(sessionOf(after)).toMatchObject({ state: 'kept' });
    });

    it('a dead container loses the state; the result and the next call say so', async () => {
      await call({ code: 'x = 1', session: 'doomed' });
      const died = await call({ code: 'import os\nos._exit(9)', session: 'doomed' });
      expect(structuredOf(died)).toMatchObject({ status: 'error' });
      expect(String(sessionOf(died).lost)).toMatch(/gone/);
      const next = await call({ code: '"x" in globals()', session: 'doomed' });
      expect(structuredOf(next).value).toBe(false);
      expect(sessionOf(next)).toMatchObject({ state: 'new', reason: expect.stringMatching(/exited/) });
    });

    it('hands back an image as image content and other files as resources, within the limits', async () => {
      const png =
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
      const result = (await call({
        code: [
          'import base64',
          'from mcp import runtime',
          `runtime.show(base64.b64decode("${png}"))`,
          'runtime.attach(b"a,b\\n1,2\\n", name="data.csv")',
          'runtime.attach(bytes(range(256)), name="blob.bin")',
          'print("attached")',
        ].join('\n'),
      })) as { content: Record<string, unknown>[] };
      expect(structuredOf(result)).toMatchObject({
        status: 'success',
        attachments: [
          { name: 'image.png', mimeType: 'image/png', size: 70 },
          { name: 'data.csv', mimeType: 'text/csv', size: 8 },
          { name: 'blob.bin', mimeType: 'application/octet-stream', size: 256 },
        ],
      });
      const [text, image, csv, blob] = result.content;
      expect(text).toMatchObject({ type: 'text' });
      expect(image).toEqual({ type: 'image', mimeType: 'image/png', data: png });
      expect(csv).toEqual({
        type: 'resource',
        resource: { uri: 'attachment:///data.csv', mimeType: 'text/csv', text: 'a,b\n1,2\n' },
      });
      expect(Buffer.from((blob!.resource as { blob: string }).blob, 'base64')).toEqual(
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      );
      const tooBig = await call({
        code: 'from mcp import runtime\nruntime.attach(b"x" * (6 * 1024 * 1024), name="big.bin")',
      });
      expect(String(structuredOf(tooBig).error)).toMatch(
        /ValueError: attach: big.bin is 6 MiB, over the limit of 5 MiB/,
      );
    });

    it('removes every container when the client goes away', async () => {
      const label = await bridge.instanceLabel();
      expect((await containersWithLabel(engine, label)).length).toBeGreaterThan(0);
      await bridge.close();
      await until('every container of the bridge to be removed', async () =>
        (await containersWithLabel(engine, label)).length === 0 ? true : undefined,
      );
    });
  });
}

const podmanSkip = shouldSkip(dist, statuses.podman!);

describe.skipIf(podmanSkip)('the tool list with sessions on', { timeout: LONG }, () => {
  it('stays at or under 400 tokens (o200k) for the four-server fixture', async () => {
    const fixture = await createFixture({
      memory: { command: process.execPath, args: [DIST_CLI, '--version'], description: 'A fourth server' },
    });
    const bridge = await connectStdio(fixture, 'podman', { env: { MCP_BRIDGE_POOL_SIZE: '0' } });
    try {
      const { tools } = await bridge.client.listTools();
      expect(tools[0]!.inputSchema.properties).toHaveProperty('session');
      expect(tools[0]!.description).toMatch(/persist between calls/);
      const tokens = getEncoding('o200k_base').encode(JSON.stringify({ tools })).length;
      console.info(`tools/list with sessions, four servers: ${tokens} tokens`);
      expect(tokens).toBeLessThanOrEqual(400);
    } finally {
      await bridge.close();
      await fixture.cleanup();
    }
  });
});

describe.skipIf(podmanSkip)('sessions over Streamable HTTP, on podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let process_: ChildProcess;
  let url: string;
  let log = '';

  beforeAll(async () => {
    fixture = await createFixture();
    process_ = spawn(
      process.execPath,
      [DIST_CLI, '--http', '--port', '0', '--home', fixture.home, '--cwd', fixture.project],
      { env: bridgeEnv(fixture, 'podman'), cwd: fixture.project, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    process_.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    url = await until('the bridge to listen', () => /serving MCP at (http:\/\/\S+)/.exec(log)?.[1], 60_000);
  }, LONG);

  afterAll(async () => {
    if (process_ && process_.exitCode === null) {
      const exited = new Promise((resolve) => process_.once('exit', resolve));
      process_.kill('SIGTERM');
      await exited;
    }
    await fixture?.cleanup();
  }, LONG);

  const connect = async (): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> => {
    const client = new Client({ name: 'sessions-http', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    return { client, transport };
  };
  const run = (client: Client, code: string) =>
    client.callTool({ name: 'run_python', arguments: { code } }, undefined, { timeout: LONG });

  it('gives each HTTP client its own state, and removes it when the client ends its session', async () => {
    const a = await connect();
    const b = await connect();
    const mark = 'import socket\nmine = "{0}"\nsocket.gethostname()';
    const [ha, hb] = await Promise.all([
      run(a.client, mark.replace('{0}', 'a')),
      run(b.client, mark.replace('{0}', 'b')),
    ]);
    // A container's hostname is the start of its id.
    const [hostA, hostB] = [structuredOf(ha).value as string, structuredOf(hb).value as string];
    expect(hostA).not.toBe(hostB);
    const [ra, rb] = await Promise.all([run(a.client, 'mine'), run(b.client, 'mine')]);
    expect(structuredOf(ra).value).toBe('a');
    expect(structuredOf(rb).value).toBe('b');
    expect(await containerExists('podman', hostA)).toBe(true);

    // DELETE of a's MCP session closes its sessions: its container goes, b's stays.
    await a.transport.terminateSession();
    await a.client.close();
    await until('the container of the ended session to be removed', async () =>
      (await containerExists('podman', hostA)) ? undefined : true,
    );
    expect(structuredOf(await run(b.client, 'mine')).value).toBe('b');
    expect(await containerExists('podman', hostB)).toBe(true);
    await b.client.close();
  });
});

describe.skipIf(podmanSkip)('memory across bridge processes, on podman', { timeout: LONG }, () => {
  it('a memory saved by one bridge is read by the next; hostile keys and oversized values are refused', async () => {
    const fixture = await createFixture();
    const env = {
      MCP_BRIDGE_POOL_SIZE: '0',
      MCP_BRIDGE_STATE_DIR: `${fixture.root}/state`,
      MCP_BRIDGE_MEMORY_MAX_VALUE: '4k',
    };
    try {
      const first = await connectStdio(fixture, 'podman', { env });
      const call = (client: Client, code: string) =>
        client.callTool({ name: 'run_python', arguments: { code } }, undefined, { timeout: LONG });
      try {
        const saved = await call(
          first.client,
          'save_memory("analysis:result", {"rows": 1200, "ok": True})\nupdate_memory("analysis:result", {"ok": False})\nlist_memories("analysis:")',
        );
        expect(structuredOf(saved)).toMatchObject({ status: 'success', value: ['analysis:result'] });
        for (const [code, type] of [
          ['save_memory("../escape", 1)', 'ValueError'],
          ['save_memory("/etc/passwd", 1)', 'ValueError'],
          ['save_memory("a\\x00b", 1)', 'ValueError'],
          ['save_memory("k" * 201, 1)', 'ValueError'],
          ['save_memory("big", "x" * 10000)', 'ValueError'],
          ['save_memory("odd", object())', 'TypeError'],
        ] as const) {
          const refused = await call(first.client, code);
          expect(structuredOf(refused), code).toMatchObject({ status: 'error' });
          expect(String(structuredOf(refused).error), code).toMatch(new RegExp(`^${type}`));
        }
        const big = await call(first.client, 'save_memory("big", "x" * 10000)');
        expect(String(structuredOf(big).error)).toMatch(/over the limit of 4096/);
      } finally {
        await first.close();
      }

      const second = await connectStdio(fixture, 'podman', { env });
      try {
        const loaded = await call(
          second.client,
          '[load_memory("analysis:result"), memory_exists("big"), sorted(list_memories())]',
        );
        expect(structuredOf(loaded).value).toEqual([{ rows: 1200, ok: false }, false, ['analysis:result']]);
      } finally {
        await second.close();
      }
    } finally {
      await fixture.cleanup();
    }
  });
});

describe.skipIf(podmanSkip)('saved tools, on podman', { timeout: LONG }, () => {
  it('a tool saved in one bridge is used by a new bridge process, in any session, documented and listed', async () => {
    const fixture = await createFixture();
    const env = { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_STATE_DIR: `${fixture.root}/state` };
    const call = (client: Client, args: Record<string, unknown>) =>
      client.callTool({ name: 'run_python', arguments: args }, undefined, { timeout: LONG });
    try {
      const first = await connectStdio(fixture, 'podman', { env });
      try {
        const saved = await call(first.client, {
          servers: ['test'],
          code: [
            'import json',
            'async def total(a, b):',
            '    """Adds two numbers on the test server."""',
            '    return json.dumps((await mcp_test.add(a=a, b=b))["sum"])',
            'save_tool(total)',
          ].join('\n'),
        });
        expect(structuredOf(saved)).toMatchObject({ status: 'success' });
        expect(String(structuredOf(saved).value)).toMatch(
          /^Saved tool total\(a, b\) \(async\); it calls test\.add/,
        );
      } finally {
        await first.close();
      }

      const second = await connectStdio(fixture, 'podman', { env });
      try {
        // No server loaded: the saved tool loads what it calls.
        const used = await call(second.client, {
          session: 'other',
          code: 'from skills import total as t\n[await total(2, 40), await t(1, 1)]',
        });
        expect(structuredOf(used)).toMatchObject({ status: 'success', value: ['42', '2'] });
        const docs = await call(second.client, {
          code: 'from mcp import runtime\nd = await runtime.query_tool_docs("skills")\nh = await runtime.search_tool_docs("adds two numbers")\n[d[0]["tool"] if isinstance(d, list) else d["tool"], h[0]["server"], [t["name"] for t in list_saved_tools()]]',
        });
        expect(structuredOf(docs).value).toEqual(['total', 'skills', ['total']]);
        const manual = await second.client.readResource({
          uri: 'resource://mcp-server-code-execution-mode/capabilities',
        });
        expect((manual.contents[0] as { text: string }).text).toMatch(
          /- `await total\(a, b\)`: Adds two numbers/,
        );
      } finally {
        await second.close();
      }
    } finally {
      await fixture.cleanup();
    }
  });

  it('goes stale when the upstream removes a tool it calls (list_changed), and its failure names the tool', async () => {
    const fixture = await createFixture();
    const env = { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_STATE_DIR: `${fixture.root}/state` };
    const bridge = await connectStdio(fixture, 'podman', { env });
    const call = (code: string) =>
      bridge.client.callTool({ name: 'run_python', arguments: { code, servers: ['test'] } }, undefined, {
        timeout: LONG,
      });
    try {
      expect(structuredOf(await call('await mcp_test.add_tool(name="fleeting")'))).toMatchObject({
        status: 'success',
      });
      // The new tool reaches the bridge through list_changed; save once the proxy exists.
      await until('the added tool', async () =>
        structuredOf(await call('hasattr(mcp_test, "fleeting")')).value === true ? true : undefined,
      );
      const saved = await call(
        'async def use_it():\n    return await mcp_test.fleeting()\nsave_tool(use_it)',
      );
      expect(structuredOf(saved)).toMatchObject({ status: 'success' });
      expect(structuredOf(await call('await use_it()')).value).toBe('fleeting');

      await call('await mcp_test.remove_tool(name="fleeting")');
      const stale = await until('the saved tool to be marked stale', async () => {
        const listed = structuredOf(await call('[t.get("stale") for t in list_saved_tools()]'))
          .value as unknown[];
        return typeof listed?.[0] === 'string' ? (listed[0] as string) : undefined;
      });
      expect(stale).toMatch(/test\.fleeting no longer exists/);
      const failed = await call('await use_it()');
      expect(structuredOf(failed)).toMatchObject({ status: 'error' });
      expect(String(structuredOf(failed).error)).toMatch(
        /saved tool use_it may be out of date: test\.fleeting no longer exists/,
      );
    } finally {
      await bridge.close();
      await fixture.cleanup();
    }
  });
});
