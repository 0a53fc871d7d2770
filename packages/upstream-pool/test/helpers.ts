import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { UpstreamServer } from '../src/index.js';

const require = createRequire(import.meta.url);

/** The in-repo test server, run from source through tsx (see packages/test-server). */
export const TEST_SERVER_MAIN = fileURLToPath(new URL('../../test-server/src/main.ts', import.meta.url));
const TSX = pathToFileURL(require.resolve('tsx')).href;

/** Node arguments that run the test server with `modes` (e.g. 'paginated', 'crash-after=2'). */
export function testServerArgs(...modes: string[]): string[] {
  return ['--import', TSX, TEST_SERVER_MAIN, ...(modes.length > 0 ? ['--mode', modes.join(',')] : [])];
}

/** A stdio server entry running the test server. */
export function testServer(name: string, ...modes: string[]): UpstreamServer {
  return {
    name,
    transport: { type: 'stdio', command: process.execPath, args: testServerArgs(...modes), env: {} },
  };
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

/** The text of the first content block of a tool result. */
export function textOf(result: { content?: unknown }): string {
  const first = (result.content as { type: string; text?: string }[] | undefined)?.[0];
  return first?.type === 'text' ? (first.text ?? '') : '';
}
