import {
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  type ProgressNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectStdio,
  containersWithLabel,
  createFixture,
  distStatus,
  engineStatus,
  type Fixture,
  containerExists as harnessContainerExists,
  LONG,
  type StdioSession,
  shouldSkip,
  stdoutOf,
  structuredOf,
  testServerArgs,
  textOf,
  until,
} from './harness.js';

// The built bridge (dist/cli.js) over stdio, driven by the SDK's client, with real upstream servers discovered from
// a fixture home and real podman containers.

const skip = shouldSkip(distStatus(), await engineStatus('podman'));

describe.skipIf(skip)('the bridge over stdio, on podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let session: StdioSession;
  const logs: LoggingMessageNotification['params'][] = [];

  beforeAll(async () => {
    fixture = await createFixture({
      crashy: { command: process.execPath, args: testServerArgs() },
    });
    // One container per run, so that "the run's container is gone" is exactly "no container with the label".
    // The warm pool has a suite of its own below; sessions have theirs (e2e-sessions.test.ts).
    session = await connectStdio(fixture, 'podman', {
      env: { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_SESSION: 'fresh' },
    });
    session.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params);
    });
    await session.client.setLoggingLevel('warning');
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await fixture?.cleanup();
  }, LONG);

  const call = (args: Record<string, unknown>, options?: Parameters<StdioSession['client']['callTool']>[2]) =>
    session.client.callTool({ name: 'run_python', arguments: args }, undefined, {
      timeout: LONG,
      ...options,
    });

  it('lists run_python with the discovered servers', async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['run_python']);
    const [tool] = tools;
    expect(tool!.description).toContain('- everything: Every MCP feature, for tests');
    expect(tool!.description).toMatch(/- files: node /);
    expect(tool!.description).toContain('- test: The in-repo test server');
    expect(tool!.inputSchema).toMatchObject({
      required: ['code'],
      properties: { timeout: { maximum: 120 } },
    });
    expect(tool!.outputSchema).toMatchObject({ type: 'object' });
  });

  it(
    'runs code that calls tools of server-everything, server-filesystem and the test server',
    async () => {
      const code = [
        `echo = await mcp_everything.echo(message="hello bridge")`,
        `listing = await mcp_files.list_directory(path=${JSON.stringify(fixture.data)})`,
        `notes = await mcp_servers["files"].read_text_file(path=${JSON.stringify(`${fixture.data}/notes.txt`)})`,
        'from mcp.servers.test import add',
        'total = await add(a=2, b=40)',
        '# server-filesystem answers with structured content {"content": text}',
        'text = lambda r: r["content"] if isinstance(r, dict) else r',
        'print(echo)',
        'print(sorted(text(listing).splitlines()))',
        'print(text(notes).splitlines()[1])',
        'total',
      ].join('\n');
      const result = await call({ code, servers: ['everything', 'files', 'test'] });
      expect(textOf(result)).toMatch(/^```(?:toon|json)\n/);
      expect(result.isError).toBeFalsy();
      const structured = structuredOf(result);
      expect(structured).toMatchObject({ status: 'success', calls: 4, value: { sum: 42 } });
      expect(stdoutOf(result)).toEqual([
        expect.stringContaining('hello bridge'),
        "['[FILE] notes.txt', '[FILE] numbers.json']",
        'second line',
      ]);
    },
    LONG,
  );

  it(
    'lets the code discover tools of servers it did not load',
    async () => {
      const code = [
        'from mcp import runtime',
        'print(sorted(runtime.discovered_servers()))',
        'hits = await runtime.search_tool_docs("add two numbers", limit=3)',
        'print(hits[0]["server"], hits[0]["tool"])',
        'docs = await runtime.query_tool_docs("files", tool="read_text_file")',
        'print(docs["tool"])',
      ].join('\n');
      const result = await call({ code });
      expect(structuredOf(result)).toMatchObject({ status: 'success' });
      expect(stdoutOf(result)).toEqual([
        "['crashy', 'everything', 'files', 'test']",
        expect.stringMatching(/^(test|crashy) add$/),
        'read_text_file',
      ]);
    },
    LONG,
  );

  it(
    'reports an exception as status error with its traceback',
    async () => {
      const result = await call({ code: 'def f():\n    return 1 / 0\nf()' });
      expect(result.isError).toBe(true);
      const structured = structuredOf(result);
      expect(structured).toMatchObject({ status: 'error' });
      expect(String(structured.error)).toContain('ZeroDivisionError');
      expect((structured.traceback as string[]).join('\n')).toContain('f()');
    },
    LONG,
  );

  it(
    'ends a run that outlives its timeout, and removes its container',
    async () => {
      const label = await session.instanceLabel();
      const result = await call({ code: 'import time\ntime.sleep(60)', timeout: 2 });
      expect(result.isError).toBe(true);
      expect(structuredOf(result)).toMatchObject({ status: 'timeout', timeoutSeconds: 2 });
      // The result is sent first; the container is removed right after.
      await until('the container to be removed', async () =>
        (await containersWithLabel('podman', label)).length === 0 ? true : undefined,
      );
    },
    LONG,
  );

  it.each([
    ['missing code', {}, /`code` is required/],
    ['code of the wrong type', { code: ['print(1)'] }, /`code` must be a string/],
    ['servers of the wrong type', { code: 'x', servers: 'files' }, /`servers` must be an array/],
    [
      'an unknown server',
      { code: 'x', servers: ['nope'] },
      /unknown server `nope`; available: crashy, everything, files, test/,
    ],
    ['a timeout above the maximum', { code: 'x', timeout: 121 }, /from 1 to 120/],
  ])('answers %s with a validation_error result', async (_, args, message) => {
    const result = await call(args);
    expect(result.isError).toBe(true);
    expect(structuredOf(result)).toMatchObject({ status: 'validation_error' });
    expect(textOf(result)).toMatch(message);
  });

  it(
    'reports progress every second while a run lasts',
    async () => {
      const seen: ProgressNotification['params'][] = [];
      const result = await call(
        { code: 'import asyncio\nawait mcp_test.add(a=1, b=1)\nawait asyncio.sleep(3.5)', servers: ['test'] },
        { onprogress: (p) => seen.push(p as ProgressNotification['params']), resetTimeoutOnProgress: true },
      );
      expect(structuredOf(result)).toMatchObject({ status: 'success' });
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen.at(-1)!.message).toMatch(/running for [\d.]+s, 1 tool call/);
    },
    LONG,
  );

  it(
    'cancels a run when the client cancels, and removes its container',
    async () => {
      const label = await session.instanceLabel();
      const controller = new AbortController();
      const pending = call(
        { code: 'import time\nprint("started", flush=True)\ntime.sleep(100)' },
        { signal: controller.signal },
      );
      pending.catch(() => {});
      const deadline = Date.now() + 120_000;
      while ((await containersWithLabel('podman', label)).length === 0) {
        if (Date.now() > deadline) throw new Error('the run never started a container');
        await new Promise((r) => setTimeout(r, 200));
      }
      controller.abort('the user changed their mind');
      await expect(pending).rejects.toThrow();
      const gone = Date.now() + 60_000;
      while ((await containersWithLabel('podman', label)).length > 0) {
        if (Date.now() > gone) throw new Error('the container of the cancelled run is still there');
        await new Promise((r) => setTimeout(r, 200));
      }
      // The bridge is still fine afterwards.
      const next = await call({ code: 'print("after cancel")' });
      expect(stdoutOf(next)).toEqual(['after cancel']);
    },
    LONG,
  );

  it(
    'survives an upstream that crashes mid-run: a clear error, and the next run works',
    async () => {
      const crashed = await call({
        code: 'await mcp_crashy.add(a=1, b=2)\nawait mcp_crashy.crash()\nprint("not reached")',
        servers: ['crashy'],
      });
      expect(crashed.isError).toBe(true);
      const structured = structuredOf(crashed);
      expect(structured).toMatchObject({ status: 'error' });
      expect(String(structured.error)).toMatch(/crash/i);
      expect(stdoutOf(crashed)).not.toContain('not reached');
      const next = await call({ code: 'await mcp_crashy.add(a=20, b=22)', servers: ['crashy'] });
      expect(structuredOf(next)).toMatchObject({ status: 'success', value: { sum: 42 } });
      // The client asked for warnings and up: the crash reached it as an MCP log message, debug chatter did not.
      expect(logs.some((l) => l.level === 'warning' && JSON.stringify(l.data).includes('crashy'))).toBe(true);
      expect(logs.every((l) => l.level !== 'debug' && l.level !== 'info')).toBe(true);
    },
    LONG,
  );

  it(
    'sees tools an upstream added since the last run',
    async () => {
      const first = await call({ code: 'await mcp_test.add_tool(name="brand_new")', servers: ['test'] });
      expect(structuredOf(first)).toMatchObject({ status: 'success' });
      const deadline = Date.now() + 60_000;
      for (;;) {
        const second = await call({
          code: 'from mcp import runtime\n[t["name"] for t in runtime.describe_server("test")["tools"]]',
          servers: ['test'],
        });
        const names = structuredOf(second).value as string[];
        if (names.includes('brand_new')) break;
        if (Date.now() > deadline) throw new Error(`brand_new never appeared: ${names.join(', ')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const third = await call({ code: 'await mcp_test.brand_new()', servers: ['test'] });
      expect(structuredOf(third)).toMatchObject({ status: 'success', value: 'brand_new' });
    },
    LONG,
  );

  it('serves the capabilities manual and the discovered servers with their sources', async () => {
    const manual = await session.client.readResource({
      uri: 'resource://mcp-server-code-execution-mode/capabilities',
    });
    expect(manual.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    expect((manual.contents[0] as { text: string }).text).toContain('runtime.search_tool_docs');
    const servers = await session.client.readResource({
      uri: 'resource://mcp-server-code-execution-mode/servers',
    });
    const listed = JSON.parse((servers.contents[0] as { text: string }).text) as {
      servers: { name: string; source: { client: string; file: string } }[];
    };
    expect(listed.servers.map((s) => s.name)).toEqual(['crashy', 'everything', 'files', 'test']);
    expect(listed.servers[0]!.source).toEqual(
      expect.objectContaining({ client: 'claude-code', file: `${fixture.home}/.claude.json` }),
    );
    await expect(session.client.readResource({ uri: 'resource://nope' })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it(
    'never leaves a container of its own behind',
    async () => {
      const label = await session.instanceLabel();
      await until('every container to be removed', async () =>
        (await containersWithLabel('podman', label)).length === 0 ? true : undefined,
      );
    },
    LONG,
  );
});

describe.skipIf(skip)('the bridge over stdio with the warm pool, on podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let session: StdioSession;

  beforeAll(async () => {
    fixture = await createFixture();
    session = await connectStdio(fixture, 'podman', {
      env: { MCP_BRIDGE_POOL_SIZE: '2', MCP_BRIDGE_SESSION: 'fresh' },
    });
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await fixture?.cleanup();
  }, LONG);

  const call = (args: Record<string, unknown>) =>
    session.client.callTool({ name: 'run_python', arguments: args }, undefined, { timeout: LONG });

  // A container's hostname is the start of its id, on both engines.
  const hostOf = (result: unknown) => stdoutOf(result)[0]!;
  const containerExists = (id: string) => harnessContainerExists('podman', id);

  it(
    'gives every run a container of its own, fresh and removed after the run',
    async () => {
      const first = await call({
        code: 'import socket, pathlib\nprint(socket.gethostname())\npathlib.Path("/tmp/mark").write_text("x")',
      });
      expect(structuredOf(first)).toMatchObject({ status: 'success' });
      const second = await call({
        code: 'import socket, os\nprint(socket.gethostname())\nprint(os.path.exists("/tmp/mark"))',
      });
      expect(stdoutOf(second)).toEqual([expect.any(String), 'False']);
      expect(hostOf(second)).not.toBe(hostOf(first));
      await until('the used containers to be removed', async () =>
        !(await containerExists(hostOf(first))) && !(await containerExists(hostOf(second)))
          ? true
          : undefined,
      );
    },
    LONG,
  );

  it(
    'removes the container of a run that times out',
    async () => {
      const result = await call({
        code: 'import socket, time\nprint(socket.gethostname(), flush=True)\ntime.sleep(60)',
        timeout: 2,
      });
      expect(structuredOf(result)).toMatchObject({ status: 'timeout' });
      const host = hostOf(result);
      await until('the timed-out container to be removed', async () =>
        (await containerExists(host)) ? undefined : true,
      );
    },
    LONG,
  );

  it(
    'removes its waiting containers when it shuts down',
    async () => {
      const label = await session.instanceLabel();
      await until('a warm container', async () =>
        (await containersWithLabel('podman', label)).length > 0 ? true : undefined,
      );
      await session.close();
      await until('every container of the bridge to be removed', async () =>
        (await containersWithLabel('podman', label)).length === 0 ? true : undefined,
      );
    },
    LONG,
  );
});

describe.skipIf(skip)('the bridge over stdio with the direct channel, on podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let session: StdioSession;

  beforeAll(async () => {
    fixture = await createFixture();
    session = await connectStdio(fixture, 'podman', {
      env: { MCP_BRIDGE_POOL_SIZE: '1', MCP_BRIDGE_DIRECT_CHANNEL: '1' },
    });
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await fixture?.cleanup();
  }, LONG);

  it(
    'calls tools over the socket, concurrently, with output captured as before',
    async () => {
      const result = await session.client.callTool(
        {
          name: 'run_python',
          arguments: {
            code: [
              'import asyncio, os',
              'os.system("echo from a subprocess")',
              'sums = await asyncio.gather(*(mcp_test.add(a=i, b=1) for i in range(50)))',
              'sums[:3]',
            ].join('\n'),
            servers: ['test'],
          },
        },
        undefined,
        { timeout: LONG },
      );
      expect(structuredOf(result)).toMatchObject({ status: 'success', calls: 50 });
      expect(stdoutOf(result)).toEqual(['from a subprocess']);
      expect(structuredOf(result).value).toEqual([{ sum: 1 }, { sum: 2 }, { sum: 3 }]);
    },
    LONG,
  );
});
