import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { type Engine, IMAGE, removeWithLabel } from './engines.js';
import { ensureGone, rssMiB, sleep, untilNoChild, withTimeout } from './process.js';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BRIDGE_CLI = join(ROOT, 'apps/bridge/dist/cli.js');
export const TEST_SERVER = join(ROOT, 'packages/test-server/dist/main.js');

/** The bin of an MCP server package installed for the bench (never downloaded at bench time). */
export function binOf(packageName: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin)[0]!;
  return join(manifestPath, '..', bin);
}

export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
  description?: string;
}

export interface Fixture {
  root: string;
  home: string;
  project: string;
  data: string;
  cleanup(): Promise<void>;
}

/** A fixture home whose ~/.claude.json holds exactly these servers: the user's own configs are never read. */
export async function createFixture(servers: (data: string, root: string) => Record<string, ServerEntry>) {
  const root = await mkdtemp(join(tmpdir(), 'codexec-bench-'));
  const home = join(root, 'home');
  const project = join(root, 'project');
  const data = join(root, 'data');
  await Promise.all([mkdir(home), mkdir(project), mkdir(data)]);
  await writeFile(join(data, 'notes.txt'), 'first line\nsecond line\n');
  await writeFile(
    join(home, '.claude.json'),
    `${JSON.stringify({ mcpServers: servers(data, root) }, null, 2)}\n`,
  );
  return { root, home, project, data, cleanup: () => rm(root, { recursive: true, force: true }) } as Fixture;
}

/** The in-repo test server (built), optionally in some modes (`many-tools`). */
export function testServer(...modes: string[]): ServerEntry {
  return {
    command: process.execPath,
    args: [TEST_SERVER, ...(modes.length ? ['--mode', modes.join(',')] : [])],
    description: 'The in-repo test server: echo, slow, add and more',
  };
}

export interface RunReply {
  status: string;
  stdout: string[];
  value: unknown;
  error?: string;
  durationMs?: number;
  raw: CallToolResult;
}

export interface BridgeOptions {
  engine: Engine;
  fixture: Fixture;
  /** `MCP_BRIDGE_POOL_SIZE`. */
  poolSize: number;
  env?: Record<string, string>;
  logLevel?: string;
  /** Options for the bridge's Node process (before the script), e.g. the memory section's GC probe. */
  nodeArgs?: string[];
}

/** The built bridge over stdio, driven by the SDK's client. */
export class BridgeSession {
  readonly client: Client;
  readonly options: BridgeOptions;
  readonly #transport: StdioClientTransport;
  #log = '';
  #closed: Promise<{ left: number }> | undefined;

  private constructor(options: BridgeOptions, client: Client, transport: StdioClientTransport) {
    this.options = options;
    this.client = client;
    this.#transport = transport;
    (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => {
      this.#log += chunk.toString();
      if (this.#log.length > 1_000_000) this.#log = this.#log.slice(-500_000);
    });
  }

  static async start(options: BridgeOptions): Promise<BridgeSession> {
    if (!existsSync(BRIDGE_CLI)) throw new Error(`${BRIDGE_CLI} is missing: run pnpm build`);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        ...(options.nodeArgs ?? []),
        BRIDGE_CLI,
        '--home',
        options.fixture.home,
        '--cwd',
        options.fixture.project,
      ],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: options.fixture.home,
        MCP_BRIDGE_IMAGE: IMAGE,
        MCP_BRIDGE_RUNTIME: options.engine,
        MCP_BRIDGE_LOG_LEVEL: options.logLevel ?? 'info',
        MCP_BRIDGE_POOL_SIZE: String(options.poolSize),
        // A container per run unless a section measures sessions: the cold and warm rows compare container starts.
        MCP_BRIDGE_SESSION: 'fresh',
        ...options.env,
      },
      cwd: options.fixture.project,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'codexec-bench', version: '0.0.0' });
    const session = new BridgeSession(options, client, transport);
    live.add(session);
    try {
      await withTimeout(client.connect(transport), 60_000, 'connecting to the bridge');
    } catch (error) {
      await session.close();
      throw new Error(`the bridge did not start: ${(error as Error).message}\n${session.log().slice(-2000)}`);
    }
    return session;
  }

  get pid(): number {
    const pid = this.#transport.pid;
    if (pid === null) throw new Error('the bridge process has no pid');
    return pid;
  }

  log(): string {
    return this.#log;
  }

  /** `codexec.instance=<id>`, the label of this bridge's containers, from its log. */
  async label(): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = /label="?(codexec\.instance=[^\s"]+)/.exec(this.#log)?.[1];
      if (found) return found;
      if (Date.now() > deadline) throw new Error('the bridge never logged its container label');
      await sleep(50);
    }
  }

  /**
   * Resolves when none of the bridge's engine clients that name one of its containers (`run … --name codexec-…`,
   * `rm --force codexec-…`) is left: the container is then removed. Meant for a bridge without a pool, whose only
   * container is the last run's. Returns false when they are still there after `timeoutMs`.
   */
  untilContainersGone(timeoutMs = 60_000): Promise<boolean> {
    const engine = this.options.engine;
    return untilNoChild(
      this.pid,
      (child) =>
        basename(child.args[0] ?? '') === engine && child.args.some((arg) => arg.startsWith('codexec-')),
      { timeoutMs },
    );
  }

  rss(): number | undefined {
    return rssMiB(this.pid);
  }

  async tools(): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await withTimeout(
        this.client.listTools(cursor ? { cursor } : undefined),
        120_000,
        'tools/list of the bridge',
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls run_python and reads the structured result. */
  async run(code: string, options: { servers?: string[]; timeoutS?: number } = {}): Promise<RunReply> {
    const timeoutS = options.timeoutS ?? 60;
    const raw = (await withTimeout(
      this.client.callTool(
        {
          name: 'run_python',
          arguments: { code, timeout: timeoutS, ...(options.servers ? { servers: options.servers } : {}) },
        },
        undefined,
        { timeout: (timeoutS + 120) * 1000 },
      ),
      (timeoutS + 180) * 1000,
      'a run_python call',
    )) as CallToolResult;
    const structured = (raw.structuredContent ?? {}) as Record<string, unknown>;
    return {
      status: String(structured.status),
      stdout: (structured.stdout as string[] | undefined) ?? [],
      value: structured.value,
      ...(structured.error ? { error: String(structured.error) } : {}),
      ...(typeof structured.durationMs === 'number' ? { durationMs: structured.durationMs } : {}),
      raw,
    };
  }

  /**
   * Ends the bridge (its own shutdown first, then SIGKILL if it lingers), then counts and removes whatever container
   * of it is left. Idempotent.
   */
  close(): Promise<{ left: number }> {
    this.#closed ??= (async () => {
      let label: string | undefined;
      try {
        label = /label="?(codexec\.instance=[^\s"]+)/.exec(this.#log)?.[1];
      } catch {}
      const pid = this.#transport.pid;
      await withTimeout(this.client.close(), 30_000, 'closing the bridge').catch(() => {});
      if (pid !== null) await ensureGone(pid);
      // By the instance label from its log, and by the owner label every container of that process carries.
      let left = label ? await removeWithLabel(this.options.engine, label) : 0;
      if (pid !== null) left += await removeWithLabel(this.options.engine, `codexec.owner-pid=${pid}`);
      live.delete(this);
      return { left };
    })();
    return this.#closed;
  }
}

/**
 * Runs `code`, whose value is a list (the samples a timing loop in the code returns), and gives that list; a run that
 * fails, or gives no list, throws naming `what`.
 */
export async function listValueOf(
  bridge: BridgeSession,
  code: string,
  options: { servers: string[]; what: string; timeoutS?: number },
): Promise<unknown[]> {
  const reply = await bridge.run(code, { servers: options.servers, timeoutS: options.timeoutS ?? 120 });
  if (reply.status !== 'success' || !Array.isArray(reply.value)) {
    throw new Error(`${options.what} failed: ${reply.status} ${reply.error ?? ''}`);
  }
  return reply.value;
}

/** Every bridge started and not yet closed, for the final clean-up. */
const live = new Set<BridgeSession>();

export async function closeAllBridges(): Promise<void> {
  await Promise.allSettled([...live].map((session) => session.close()));
}
