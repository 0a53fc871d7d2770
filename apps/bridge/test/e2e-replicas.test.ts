import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bridgeEnv,
  createFixture,
  DIST_CLI,
  distStatus,
  engineStatus,
  type Fixture,
  LONG,
  shouldSkip,
  structuredOf,
  until,
} from './harness.js';

// Two replicas of the built bridge, as the Kubernetes overlay runs them: two processes serving Streamable HTTP on
// two ports with one state directory and one token, each driven by the SDK's client, each running code on podman.
// What they share (memory, saved tools) is seen by both; what they do not (MCP sessions) is refused by the other
// with the 404 that tells a client to initialize again.

const skip = shouldSkip(distStatus(), await engineStatus('podman'));
const TOKEN = 'e2e-replicas-token-5e4d3c2b1a09';

interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  log(): string;
  client: Client;
  transport: StreamableHTTPClientTransport;
}

describe.skipIf(skip)('two bridge replicas sharing a state directory, on podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let state: string;
  let a: Replica;
  let b: Replica;

  async function start(name: string): Promise<Replica> {
    let log = '';
    const child = spawn(
      process.execPath,
      [DIST_CLI, '--http', '--port', '0', '--token', TOKEN, '--home', fixture.home, '--cwd', fixture.project],
      {
        env: bridgeEnv(fixture, 'podman', {
          MCP_BRIDGE_STATE_DIR: state,
          // Each replica its own audit trail in the shared directory, as the overlay names it by pod.
          MCP_BRIDGE_AUDIT_LOG: join(state, 'audit', `${name}.jsonl`),
          MCP_BRIDGE_POOL_SIZE: '0',
        }),
        cwd: fixture.project,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const url = await until(
      `replica ${name} to listen`,
      () => /serving MCP at (http:\/\/\S+)/.exec(log)?.[1],
      60_000,
    );
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    });
    const client = new Client({ name: `replica-e2e-${name}`, version: '0.0.0' });
    await client.connect(transport);
    return { name, url, process: child, log: () => log, client, transport };
  }

  async function stop(replica: Replica | undefined): Promise<void> {
    if (!replica) return;
    await replica.client.close().catch(() => {});
    if (replica.process.exitCode !== null) return;
    const exited = new Promise((resolve) => replica.process.once('exit', resolve));
    replica.process.kill('SIGTERM');
    await exited;
  }

  const run = async (replica: Replica, code: string, servers?: string[]) => {
    const result = structuredOf(
      await replica.client.callTool(
        { name: 'run_python', arguments: { code, ...(servers ? { servers } : {}) } },
        undefined,
        { timeout: LONG },
      ),
    );
    expect(result, `${replica.name}: ${code}`).toMatchObject({ status: 'success' });
    return result.value;
  };

  beforeAll(async () => {
    fixture = await createFixture();
    state = join(fixture.root, 'state');
    [a, b] = await Promise.all([start('a'), start('b')]);
  }, LONG);

  afterAll(async () => {
    await Promise.all([stop(a), stop(b)]);
    await fixture?.cleanup();
  }, LONG);

  it('serves two replicas on two ports', () => {
    expect(new URL(a.url).port).not.toBe(new URL(b.url).port);
    expect(a.transport.sessionId).toBeDefined();
    expect(b.transport.sessionId).toBeDefined();
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
  });

  it('reads on one replica the memory that code wrote on the other, both ways', async () => {
    await run(a, 'save_memory("shared:report", {"rows": 1200, "by": "a"})');
    expect(await run(b, 'load_memory("shared:report")')).toEqual({ rows: 1200, by: 'a' });
    await run(b, 'update_memory("shared:report", {"checked": True})\nsave_memory("shared:note", "from b")');
    expect(
      await run(
        a,
        '[load_memory("shared:report"), load_memory("shared:note"), sorted(list_memories("shared:"))]',
      ),
    ).toEqual([{ rows: 1200, by: 'a', checked: true }, 'from b', ['shared:note', 'shared:report']]);
    await run(a, 'delete_memory("shared:note")');
    expect(await run(b, '[memory_exists("shared:note"), memory_exists("shared:report")]')).toEqual([
      false,
      true,
    ]);
  });

  it('lists and calls on one replica, in a session it had already opened, a tool saved on the other', async () => {
    // b's sandbox session starts before the tool exists.
    expect(await run(b, '[t["name"] for t in list_saved_tools()]')).toEqual([]);
    const saved = await run(
      a,
      [
        'async def total(a, b):',
        '    """Adds two numbers on the test server."""',
        '    return (await mcp_test.add(a=a, b=b))["sum"]',
        'save_tool(total)',
      ].join('\n'),
      ['test'],
    );
    expect(String(saved)).toMatch(/^Saved tool total\(a, b\)/);
    expect(await run(b, '[[t["name"] for t in list_saved_tools()], await total(2, 40)]')).toEqual([
      ['total'],
      42,
    ]);
    expect(await run(a, 'await total(1, 1)')).toBe(2);
  });

  it('answers a session of the other replica with 404, naming this instance and how replicas are routed', async () => {
    const foreign = a.transport.sessionId!;
    const response = await fetch(b.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': foreign,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as { error: { code: number; message: string } };
    const opening = `Unknown session ${foreign}: this bridge instance (${hostname()}) has no such session.`;
    expect(error.message.slice(0, opening.length)).toBe(opening);
    expect(error.message).toMatch(/been opened on another instance or before this one restarted/);
    expect(error.message).toMatch(/route by the client's address, not by the Mcp-Session-Id header/);
    expect(error.message).toMatch(/"Several replicas" in the bridge's README/);

    // The SDK's client, resuming a's session on b, gets the same 404 as an error it can act on.
    const resumed = new Client({ name: 'replica-e2e-resumed', version: '0.0.0' });
    await resumed.connect(
      new StreamableHTTPClientTransport(new URL(b.url), {
        sessionId: foreign,
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const refused = await resumed.listTools().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    await resumed.close();
    expect(refused).toBeInstanceOf(StreamableHTTPError);
    expect((refused as StreamableHTTPError).code).toBe(404);
    expect((refused as Error).message).toContain(`this bridge instance (${hostname()})`);
    // a still serves it.
    expect((await a.client.listTools()).tools.map((tool) => tool.name)).toEqual(['run_python']);
  });

  it('leaves one whole value when both replicas write the same memory key at once', async () => {
    // Each writer waits until the other has started (through the shared store itself), so the loops overlap.
    const writer = (name: string, other: string, fill: string) =>
      [
        'import asyncio, time',
        `save_memory("started:${name}", True)`,
        'deadline = time.time() + 60',
        `while not memory_exists("started:${other}"):`,
        '    assert time.time() < deadline, "the other replica never started"',
        '    await asyncio.sleep(0.01)',
        'start = time.time()',
        'for i in range(60):',
        `    save_memory("race", {"by": "${name}", "i": i, "pad": "${fill}" * 60000})`,
        '[start, time.time()]',
      ].join('\n');
    const [spanA, spanB] = (await Promise.all([
      run(a, writer('a', 'b', 'x')),
      run(b, writer('b', 'a', 'y')),
    ])) as [[number, number], [number, number]];
    expect(Math.max(spanA[0], spanB[0])).toBeLessThan(Math.min(spanA[1], spanB[1]));
    const check =
      'v = load_memory("race")\n[v["by"], v["i"], len(v["pad"]), set(v["pad"]) == {"x" if v["by"] == "a" else "y"}]';
    const [readA, readB] = await Promise.all([run(a, check), run(b, check)]);
    expect(readA).toEqual(readB);
    expect(readA).toEqual([expect.stringMatching(/^[ab]$/), 59, 60000, true]);

    // On disk: one file for the key, whole JSON, and no temporary file left by either writer.
    const projects = await readdir(join(state, 'projects'));
    expect(projects).toHaveLength(1);
    const memoryDir = join(state, 'projects', projects[0]!, 'memory');
    const files = await readdir(memoryDir);
    expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
    const records = await Promise.all(
      files.map(async (file) => JSON.parse(await readFile(join(memoryDir, file), 'utf8')) as { key: string }),
    );
    expect(records.filter((record) => record.key === 'race')).toHaveLength(1);
  });

  it('keeps each replica its own audit trail in the shared directory', async () => {
    await Promise.all([stop(a), stop(b)]);
    const runsOf = async (name: string) =>
      (await readFile(join(state, 'audit', `${name}.jsonl`), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string })
        .filter((record) => record.type === 'run').length;
    expect(await runsOf('a')).toBeGreaterThanOrEqual(6);
    expect(await runsOf('b')).toBeGreaterThanOrEqual(6);
  });
});
