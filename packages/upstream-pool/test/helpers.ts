import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createUpstreamPool,
  type UpstreamPool,
  type UpstreamPoolOptions,
  type UpstreamServer,
} from '../src/index.js';

const require = createRequire(import.meta.url);

/**
 * The in-repo test server (packages/test-server): its build when that is newer than every source file (a plain
 * `node` start is several times cheaper than one through tsx, which matters on a shared machine), else its
 * source through tsx.
 */
export const TEST_SERVER_MAIN = fileURLToPath(new URL('../../test-server/src/main.ts', import.meta.url));
const TEST_SERVER_BUILD = fileURLToPath(new URL('../../test-server/dist/main.js', import.meta.url));
const TSX = pathToFileURL(require.resolve('tsx')).href;
const TEST_SERVER_ENTRY = buildIsFresh() ? [TEST_SERVER_BUILD] : ['--import', TSX, TEST_SERVER_MAIN];

function buildIsFresh(): boolean {
  if (!existsSync(TEST_SERVER_BUILD)) return false;
  const sources = dirname(TEST_SERVER_MAIN);
  const newest = Math.max(...readdirSync(sources).map((file) => statSync(join(sources, file)).mtimeMs));
  return statSync(TEST_SERVER_BUILD).mtimeMs >= newest;
}

/** Node arguments that run the test server with `modes` (e.g. 'paginated', 'crash-after=2'). */
export function testServerArgs(...modes: string[]): string[] {
  return [...TEST_SERVER_ENTRY, ...(modes.length > 0 ? ['--mode', modes.join(',')] : [])];
}

/** A stdio server entry running the test server with `modes`; a last object argument sets cwd and env. */
export function testServer(
  name: string,
  ...modes: (string | { cwd?: string; env?: Record<string, string> })[]
): UpstreamServer {
  const names = modes.filter((mode) => typeof mode === 'string');
  const settings = modes.find((mode) => typeof mode === 'object') ?? {};
  return {
    name,
    transport: {
      type: 'stdio',
      command: process.execPath,
      args: testServerArgs(...names),
      env: settings.env ?? {},
      cwd: settings.cwd,
    },
  };
}

/**
 * The test server's `huge` text, regenerated here from its description (64-byte lines: 10-digit line number,
 * space, the 52 letters rotated by the line number, newline), independently of the server's code.
 */
export function expectedHugeText(bytes: number): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const lines: string[] = [];
  for (let index = 0; index * 64 < bytes; index += 1) {
    const shift = index % 52;
    lines.push(`${String(index).padStart(10, '0')} ${letters.slice(shift)}${letters.slice(0, shift)}\n`);
  }
  return lines.join('').slice(0, bytes);
}

/** The bin of a package installed in this package's node_modules. */
export function binOf(packageName: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin)[0]!;
  return fileURLToPath(new URL(bin, pathToFileURL(manifestPath)));
}

export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

/** The process table (`ps`), as rows. */
export function processTable(): ProcessRow[] {
  const output = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  return output
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({
      pid: Number(match[1]),
      ppid: Number(match[2]),
      pgid: Number(match[3]),
      args: match[4]!,
    }));
}

/** Processes of the given process groups, or descended from the given pids, still alive. */
export function survivors(options: { groups?: number[]; pids?: number[] }): ProcessRow[] {
  const table = processTable();
  const groups = new Set(options.groups ?? []);
  const pids = new Set(options.pids ?? []);
  return table.filter((row) => (groups.has(row.pgid) || pids.has(row.pid)) && !/<defunct>/.test(row.args));
}

/** Waits until `check` passes or `timeoutMs` has gone by; returns the last value. */
export async function eventually<T>(
  read: () => T,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = read();
  }
  return value;
}

/** Like `eventually`, for an asynchronous read. */
export async function until<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** The text of the first content block of a tool result. */
export function textOf(result: { content?: unknown }): string {
  const first = (result.content as { type: string; text?: string }[] | undefined)?.[0];
  return first?.type === 'text' ? (first.text ?? '') : '';
}

/**
 * Pools for one test file: `open()` creates a pool that is closed after each test, and every process group the
 * pools started is checked to be gone at the end of the file.
 */
export function poolFixture(hooks: {
  afterEach: (fn: () => Promise<void>) => void;
  afterAll: (fn: () => Promise<void>) => void;
}) {
  const open: UpstreamPool[] = [];
  const groups = new Set<number>();
  hooks.afterEach(async () => {
    await Promise.all(open.splice(0).map((pool) => pool.close()));
  });
  hooks.afterAll(async () => {
    const left = await eventually(
      () => survivors({ groups: [...groups] }),
      (rows) => rows.length === 0,
    );
    if (left.length > 0) throw new Error(`processes left behind: ${JSON.stringify(left)}`);
  });
  return {
    groups,
    open(options: UpstreamPoolOptions): UpstreamPool {
      const pool = createUpstreamPool({
        ...options,
        onEvent: (event) => {
          if (event.type === 'state' && event.pid !== undefined) groups.add(event.pid);
          options.onEvent?.(event);
        },
      });
      open.push(pool);
      return pool;
    },
  };
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server process started by a test (an HTTP MCP server). */
export interface ServerProcess {
  pid: number;
  /** The first match of `ready` in its output. */
  match: RegExpMatchArray;
  stop(): Promise<void>;
}

/** Spawns `command` and waits until its stdout or stderr matches `ready`. */
export async function startProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; ready: RegExp; timeoutMs?: number },
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${command} did not become ready: ${output}`)),
        options.timeoutMs ?? 30_000,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const found = options.ready.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`${command} exited (${code}) before becoming ready: ${output}`)),
      );
    });
    return { pid: child.pid!, match, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
