import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export { ON_CI as CI } from '@codexec/test-support';

import { ON_CI as CI } from '@codexec/test-support';
export const DIST_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
export const TEST_IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
/** Generous: two cores shared by several people running container tests at once. */
export const LONG = 240_000;

/** The bin of a package in this package's node_modules (never downloaded at test time). */
export function binOf(packageName: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin)[0]!;
  return join(manifestPath, '..', bin);
}

export const EVERYTHING = binOf('@modelcontextprotocol/server-everything');
export const FILESYSTEM = binOf('@modelcontextprotocol/server-filesystem');
const TEST_SERVER_MAIN = fileURLToPath(new URL('../../../packages/test-server/src/main.ts', import.meta.url));
const TSX = pathToFileURL(require.resolve('tsx')).href;

/** Arguments that run the in-repo test server from source. */
export function testServerArgs(...modes: string[]): string[] {
  return ['--import', TSX, TEST_SERVER_MAIN, ...(modes.length ? ['--mode', modes.join(',')] : [])];
}

/** `podman-rootless`: the rootless podman of an unprivileged user (see `engineCommand`). */
export type Engine = 'podman' | 'docker' | 'podman-rootless';

/** Runs podman as the unprivileged user scripts/provision-engines.sh creates (root only). */
export const PODMAN_ROOTLESS = fileURLToPath(new URL('../../../scripts/podman-rootless', import.meta.url));

/**
 * The CLI of an engine, as MCP_BRIDGE_RUNTIME names it. Rootless podman: as root, podman run as the provisioned
 * unprivileged user (every command, through scripts/podman-rootless); as anyone else, their own podman.
 */
export function engineCommand(engine: Engine): string {
  if (engine !== 'podman-rootless') return engine;
  return process.getuid?.() === 0 ? PODMAN_ROOTLESS : 'podman';
}

/**
 * Whether an engine answers and has the test image. Under CI=true a missing engine is a failure (the caller runs
 * the tests anyway and they fail); elsewhere the tests skip with this reason.
 */
export async function engineStatus(engine: Engine): Promise<{ ok: boolean; reason: string }> {
  try {
    await run(engineCommand(engine), ['image', 'inspect', TEST_IMAGE], { timeout: 60_000 });
    if (engine === 'podman-rootless') {
      const { stdout } = await run(engineCommand(engine), [
        'info',
        '--format',
        '{{.Host.Security.Rootless}}',
      ]);
      if (stdout.trim() !== 'true') return { ok: false, reason: 'podman here is rootful, not rootless' };
    }
    return { ok: true, reason: '' };
  } catch (error) {
    return {
      ok: false,
      reason: `${engine} with ${TEST_IMAGE} unavailable: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

export function distStatus(): { ok: boolean; reason: string } {
  return existsSync(DIST_CLI)
    ? { ok: true, reason: '' }
    : {
        ok: false,
        reason: `${DIST_CLI} is missing: build the bridge first (pnpm --filter @codexec/code-exec-bridge build)`,
      };
}

/** Skips loudly off CI; under CI the tests run and fail on their own. */
export function shouldSkip(...statuses: { ok: boolean; reason: string }[]): boolean {
  const bad = statuses.find((s) => !s.ok);
  if (!bad) return false;
  if (CI) return false;
  console.warn(`\n*** SKIPPING bridge end-to-end tests: ${bad.reason} ***\n`);
  return true;
}

/** Names of containers carrying a label, in any state. */
export async function containersWithLabel(engine: Engine, label: string): Promise<string[]> {
  const { stdout } = await run(
    engineCommand(engine),
    ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'],
    {
      timeout: 60_000,
    },
  );
  return stdout.split('\n').filter(Boolean);
}

/** Whether a container whose id starts with `id` exists, in any state. */
export async function containerExists(engine: Engine, id: string): Promise<boolean> {
  const { stdout } = await run(
    engineCommand(engine),
    ['ps', '-a', '--filter', `id=${id}`, '--format', '{{.ID}}'],
    {
      timeout: 60_000,
    },
  );
  return stdout.trim() !== '';
}

export interface Fixture {
  root: string;
  home: string;
  project: string;
  /** The directory the filesystem server may read. */
  data: string;
  cleanup(): Promise<void>;
}

/**
 * A fixture home whose ~/.claude.json configures server-everything, server-filesystem and the test server (and a
 * separate crashing one), plus an empty project directory: the user's real configs are never read.
 */
export async function createFixture(extraServers: Record<string, unknown> = {}): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'codexec-bridge-e2e-'));
  const home = join(root, 'home');
  const project = join(root, 'project');
  const data = join(root, 'data');
  await Promise.all([mkdir(home), mkdir(project), mkdir(data)]);
  await writeFile(join(data, 'notes.txt'), 'first line\nsecond line\n');
  await writeFile(join(data, 'numbers.json'), '[1, 2, 3]\n');
  const node = process.execPath;
  const config = {
    mcpServers: {
      everything: { command: node, args: [EVERYTHING], description: 'Every MCP feature, for tests' },
      files: { command: node, args: [FILESYSTEM, data] },
      test: { command: node, args: testServerArgs(), description: 'The in-repo test server' },
      ...extraServers,
    },
  };
  await writeFile(join(home, '.claude.json'), `${JSON.stringify(config, null, 2)}\n`);
  return { root, home, project, data, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The `initialize` request a client sends first, as a JSON-RPC message, from a client named `clientName`. */
export function initializeRequest(clientName: string) {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: clientName, version: '0' },
    },
  } as const;
}

/** The environment of the bridge process: nothing of the user's but PATH. */
export function bridgeEnv(
  fixture: Fixture,
  engine: Engine,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: fixture.home,
    MCP_BRIDGE_IMAGE: TEST_IMAGE,
    MCP_BRIDGE_RUNTIME: engineCommand(engine),
    MCP_BRIDGE_LOG_LEVEL: 'debug',
    ...extra,
  };
}

export interface StdioSession {
  client: Client;
  /** Everything the bridge wrote to stderr so far. */
  stderr(): string;
  /** The label value of this bridge's containers, read from its log. */
  instanceLabel(): Promise<string>;
  close(): Promise<void>;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function labelFrom(stderr: string): string | undefined {
  return /label="?(codexec\.instance=[^\s"]+)/.exec(stderr)?.[1];
}

/** Starts the built bridge over stdio with the SDK's client. */
export async function connectStdio(
  fixture: Fixture,
  engine: Engine,
  options: { env?: Record<string, string>; args?: string[]; client?: Client } = {},
): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [DIST_CLI, '--home', fixture.home, '--cwd', fixture.project, ...(options.args ?? [])],
    env: bridgeEnv(fixture, engine, options.env),
    cwd: fixture.project,
    stderr: 'pipe',
  });
  let log = '';
  (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const client = options.client ?? new Client({ name: 'bridge-e2e', version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => log,
    instanceLabel: () => until('the instance label in the log', () => labelFrom(log)),
    close: () => client.close(),
  };
}

/** The text of a tool result's first content item. */
export function textOf(result: unknown): string {
  const item = (result as CallToolResult).content?.[0];
  return item?.type === 'text' ? item.text : '';
}

export function structuredOf(result: unknown): Record<string, unknown> {
  return ((result as CallToolResult).structuredContent ?? {}) as Record<string, unknown>;
}

/** The lines a run printed, from its structured content. */
export function stdoutOf(result: unknown): string[] {
  return (structuredOf(result).stdout as string[] | undefined) ?? [];
}

export { until };

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built bridge's command line to completion, as a person runs it in a terminal. */
export function cli(
  fixture: Fixture,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; engine?: Engine } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [DIST_CLI, ...args],
      {
        env: bridgeEnv(fixture, options.engine ?? 'podman', { MCP_BRIDGE_LOG_LEVEL: 'warn', ...options.env }),
        cwd: fixture.project,
        timeout: LONG,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}
