import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bridgeEnv,
  createFixture,
  DIST_CLI,
  distStatus,
  type Fixture,
  initializeRequest,
  LONG,
  shouldSkip,
  until,
} from './harness.js';

// The built command loads what it needs when it needs it. Serving stdio, it never loads the HTTP stack (express, the
// SDK's Streamable HTTP transport) nor the code of audit, discover, doctor, run or image pull; and it answers
// `initialize` before it loads the engine client code (execa). Its dependencies are bundled into dist/cli.js and its
// cli-* chunks, so it resolves none of them from node_modules. Seen from outside: record-modules.mjs, given with
// `node --import`, writes down every module the bridge resolves; each piece of code is known by the built file that
// defines it.

const RECORDER = pathToFileURL(fileURLToPath(new URL('./record-modules.mjs', import.meta.url))).href;
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
/** Functions whose modules serving stdio must not load. */
const DEFERRED = [
  'serveHttp',
  'auditCommand',
  'discoverCommand',
  'doctorCommand',
  'runCommand',
  'imagePullCommand',
];
/** express's `createApplication` and the SDK's Streamable HTTP transport. */
const HTTP_STACK = ['createApplication', 'StreamableHTTPServerTransport'];
/** The stdio transport the bridge serves with, and execa's core. */
const STDIO = 'StdioServerTransport';
const EXECA = 'execaCoreAsync';

const skip = shouldSkip(distStatus());

/** The URL of the built file that defines each function; throws when one is not found exactly once. */
async function definedIn(names: readonly string[]): Promise<Map<string, string>> {
  // The command's files: dist/cli.js and its chunks (the library's index.js and chunks are a separate build).
  const files = (await readdir(DIST)).filter((f) => /^cli(-.*)?\.js$/.test(f));
  const texts = await Promise.all(files.map((f) => readFile(join(DIST, f), 'utf8')));
  const found = new Map<string, string>();
  for (const name of names) {
    const defines = new RegExp(`\\bfunction ${name}\\(|^var ${name} = `, 'm');
    const where = files.filter((_, i) => defines.test(texts[i]!));
    if (where.length !== 1) throw new Error(`${name} is defined in ${where.length} built files, not one`);
    found.set(name, pathToFileURL(join(DIST, where[0]!)).href);
  }
  return found;
}

async function recorded(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return [...new Set(text.split('\n').filter(Boolean))];
}

describe.skipIf(skip)('what the built bridge loads', { timeout: LONG }, () => {
  let fixture: Fixture;
  let built: Map<string, string>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    fixture = await createFixture();
    built = await definedIn([...DEFERRED, ...HTTP_STACK, STDIO, EXECA]);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await fixture?.cleanup();
  });

  const loadedOf = (loaded: string[], names: readonly string[]) =>
    names.filter((name) => loaded.includes(built.get(name)!));

  /** The built command with the recorder writing to `file`, given `args`; killed after the suite if it lingers. */
  const spawnRecorded = (file: string, args: string[], stdio: StdioOptions): ChildProcess => {
    const child = spawn(process.execPath, ['--import', RECORDER, DIST_CLI, ...args], {
      env: bridgeEnv(fixture, 'podman', {
        MCP_BRIDGE_LOG_LEVEL: 'warn',
        MCP_BRIDGE_POOL_SIZE: '0',
        CODEXEC_MODULES_FILE: file,
      }),
      cwd: fixture.project,
      stdio,
    });
    children.push(child);
    return child;
  };
  const where = () => ['--home', fixture.home, '--cwd', fixture.project];

  it('serving stdio, has loaded neither the HTTP stack nor the other commands after initialize and tools/list', async () => {
    const file = join(fixture.root, 'stdio-modules.txt');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', RECORDER, DIST_CLI, '--home', fixture.home, '--cwd', fixture.project],
      env: bridgeEnv(fixture, 'podman', {
        MCP_BRIDGE_LOG_LEVEL: 'warn',
        MCP_BRIDGE_POOL_SIZE: '0',
        CODEXEC_MODULES_FILE: file,
      }),
      cwd: fixture.project,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'lazy-loading', version: '0.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['run_python']);
      const loaded = await recorded(file);
      // The recorder does see the bridge's modules: the stdio transport it serves with is among them.
      expect(loadedOf(loaded, [STDIO])).toEqual([STDIO]);
      expect(loadedOf(loaded, HTTP_STACK)).toEqual([]);
      expect(loaded.filter((url) => url.includes('/node_modules/'))).toEqual([]);
      expect(loadedOf(loaded, DEFERRED)).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('answers initialize before it loads the code that runs engine commands (execa)', async () => {
    const file = join(fixture.root, 'initialize-modules.txt');
    const child = spawnRecorded(file, where(), ['pipe', 'pipe', 'ignore']);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let out = '';
    (child.stdout as Readable).on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdin!.write(`${JSON.stringify(initializeRequest('lazy'))}\n`);
    await until('the answer to initialize', () => (out.includes('\n') ? true : undefined));
    // Read at once: without the client's `initialized` the engine is probed only two seconds later.
    const loaded = await recorded(file);
    expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ id: 1, result: { serverInfo: {} } });
    expect(loadedOf(loaded, [STDIO])).toEqual([STDIO]);
    expect(loadedOf(loaded, [EXECA])).toEqual([]);
    // And once the client says it is initialized, the engine is probed (through execa) in the background.
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    await until('execa loaded for the engine probe', async () =>
      loadedOf(await recorded(file), [EXECA]).length ? true : undefined,
    );
    child.stdin!.end();
    await exited;
  });

  it('loads express and its HTTP transport once it serves HTTP', async () => {
    const file = join(fixture.root, 'http-modules.txt');
    const child = spawnRecorded(file, ['--http', '--port', '0', ...where()], ['ignore', 'ignore', 'pipe']);
    let log = '';
    (child.stderr as Readable).on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until('the HTTP address in the log', () => (/serving MCP at /.test(log) ? true : undefined));
    const loaded = await recorded(file);
    child.kill('SIGTERM');
    await exited;
    expect(loadedOf(loaded, HTTP_STACK)).toEqual(HTTP_STACK);
    expect(loadedOf(loaded, DEFERRED)).toEqual(['serveHttp']);
  });

  it('loads the audit command when audit runs', async () => {
    const file = join(fixture.root, 'audit-modules.txt');
    const child = spawnRecorded(file, ['audit', '--json', ...where()], 'ignore');
    await new Promise((resolve) => child.once('exit', resolve));
    const loaded = await recorded(file);
    expect(loadedOf(loaded, DEFERRED)).toEqual(['auditCommand']);
    expect(loadedOf(loaded, HTTP_STACK)).toEqual([]);
  });
});
