// Sessions: (2c) runs after the first in one session over stdio, the third shape of a warm run, against the hardened
// CLI run of run-times.ts; (9) 16 concurrent sessions over Streamable HTTP; (10) the memory of the bridge and of idle
// session containers.
import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BRIDGE_CLI, BridgeSession, createFixture, type Fixture } from '../lib/bridge.js';
import { containerMemory, type Engine, IMAGE, removeWithLabel } from '../lib/engines.js';
import { hardenedRun, PRINT_ONE, type RunTiming } from '../lib/hardened-run.js';
import { ensureGone, sleep, withTimeout } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, percentile, summarize } from '../lib/stats.js';

async function timedSessionRun(session: BridgeSession): Promise<number> {
  const started = performance.now();
  const reply = await session.run(PRINT_ONE.code);
  const ms = performance.now() - started;
  if (reply.status !== 'success' || `${reply.stdout.join('\n')}\n` !== PRINT_ONE.stdout) {
    throw new Error(`a session run went wrong: ${reply.status} ${reply.error ?? ''}`);
  }
  return ms;
}

export async function sessionRuns(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const fixture = await createFixture(() => ({}));
  const rounds = ctx.quick ? 8 : 19;
  const baselineRounds = ctx.quick ? 4 : 8;
  try {
    const session = await BridgeSession.start({
      engine,
      fixture,
      poolSize: 1,
      env: { MCP_BRIDGE_SESSION: 'persistent' },
    });
    try {
      const label = await session.label();
      const first = await timedSessionRun(session);
      // Runs 2 to 20 of the session, and the baseline interleaved: one baseline after every few session runs.
      // A session run is timed until its answer, and so is the baseline (until its output); its time until the
      // CLI exits (removal included) is shown beside it.
      const runs: number[] = [];
      const baseline: RunTiming[] = [];
      for (let i = 0; i < rounds; i += 1) {
        runs.push(await timedSessionRun(session));
        if (i % Math.ceil(rounds / baselineRounds) === 0) baseline.push(await hardenedRun(engine));
      }
      const subject = summarize(runs);
      const base = summarize(baseline.map((t) => t.resultMs));
      const removed = summarize(baseline.map((t) => t.removedMs ?? Number.NaN));
      const ratio = subject.median / base.median;
      await sleep(500);
      const idle = await containerMemory(engine, label);
      const rss = session.rss();
      return [
        {
          id: `session-runs/${engine}`,
          what: `(2c) warm run_python print(1), ${engine}, inside a session: runs 2 to ${rounds + 1} of one session over stdio`,
          unit: 'ms',
          subject,
          baseline: base,
          value: ratio,
          shown: `${fmt(ratio, 3)}× (${fmt(subject.median)} vs ${fmt(base.median)} ms) hardened CLI run until its output (${fmt(removed.median)} ms until it exits); first run of the session ${fmt(first)} ms`,
          target: '≤ 15 ms and ≤ 0.05×',
          pass: subject.median <= 15 && ratio <= 0.05,
          extra: { firstRunMs: first, baselineRemovedMs: removed },
        },
        {
          id: `session-memory/${engine}`,
          what: `(10) memory with one idle session, ${engine}: the bridge's RSS and the session container's memory (engine stats)`,
          unit: 'MiB',
          value: rss,
          shown: `bridge ${fmt(rss ?? Number.NaN)} MiB; idle containers ${idle.map((m) => `${fmt(m)} MiB`).join(', ') || 'none'} (the session's, and the warm pool's one)`,
          target: 'reported',
          extra: { bridgeRssMiB: rss, containerMiB: idle },
        },
      ];
    } finally {
      await session.close();
    }
  } finally {
    await fixture.cleanup();
  }
}

interface HttpBridge {
  url: string;
  process: ChildProcess;
  log(): string;
  close(): Promise<void>;
}

async function startHttpBridge(engine: Engine, fixture: Fixture, sessions: number): Promise<HttpBridge> {
  let log = '';
  const child = spawn(
    process.execPath,
    [BRIDGE_CLI, '--http', '--port', '0', '--home', fixture.home, '--cwd', fixture.project],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: fixture.home,
        MCP_BRIDGE_IMAGE: IMAGE,
        MCP_BRIDGE_RUNTIME: engine,
        MCP_BRIDGE_LOG_LEVEL: 'info',
        MCP_BRIDGE_POOL_SIZE: '2',
        MCP_BRIDGE_SESSION: 'persistent',
        MCP_BRIDGE_MAX_SESSIONS: String(sessions),
      },
      cwd: fixture.project,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 1_000_000) log = log.slice(-500_000);
  });
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /serving MCP at (http:\/\/\S+)/.exec(log)?.[1];
    if (url) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the HTTP bridge did not start: ${log.slice(-2000)}`);
    }
    await sleep(50);
  }
  return {
    url,
    process: child,
    log: () => log,
    close: async () => {
      const label = /label="?(codexec\.instance=[^\s"]+)/.exec(log)?.[1];
      if (child.exitCode === null) child.kill('SIGTERM');
      if (child.pid) await ensureGone(child.pid, 30_000);
      if (label) await removeWithLabel(engine, label);
    },
  };
}

export async function httpSessions(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const clients = 16;
  const runsEach = ctx.quick ? 10 : 20;
  const fixture = await createFixture(() => ({}));
  const bridge = await startHttpBridge(engine, fixture, clients);
  const connected: Client[] = [];
  try {
    const call = async (client: Client): Promise<void> => {
      const raw = (await withTimeout(
        client.callTool({ name: 'run_python', arguments: { code: 'print(1)' } }, undefined, {
          timeout: 300_000,
        }),
        300_000,
        'a run over HTTP',
      )) as CallToolResult;
      const structured = (raw.structuredContent ?? {}) as { status?: string; stdout?: string[] };
      if (structured.status !== 'success' || structured.stdout?.join() !== '1') {
        throw new Error(`status ${structured.status}: ${JSON.stringify(structured).slice(0, 300)}`);
      }
    };
    for (let i = 0; i < clients; i += 1) {
      const client = new Client({ name: `bench-http-${i}`, version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(bridge.url)));
      connected.push(client);
    }
    // Each session's first run starts its container: timed apart, all at once.
    ctx.log(`${engine}: ${clients} HTTP sessions start`);
    const startupStarted = performance.now();
    const firsts = await Promise.all(
      connected.map(async (client) => {
        const started = performance.now();
        await call(client);
        return performance.now() - started;
      }),
    );
    const startupWall = performance.now() - startupStarted;
    ctx.log(`${engine}: ${clients} sessions × ${runsEach} runs`);
    const latencies: number[] = [];
    const errors: string[] = [];
    const started = performance.now();
    await Promise.all(
      connected.map(async (client, index) => {
        for (let i = 0; i < runsEach; i += 1) {
          const runStarted = performance.now();
          try {
            await call(client);
            latencies.push(performance.now() - runStarted);
          } catch (error) {
            errors.push(`client ${index} run ${i}: ${(error as Error).message}`);
          }
        }
      }),
    );
    const wallMs = performance.now() - started;
    const throughput = latencies.length / (wallMs / 1000);
    const subject = summarize(latencies);
    return [
      {
        id: `http-sessions/${engine}`,
        what: `(9) ${clients} concurrent sessions over Streamable HTTP × ${runsEach} runs of print(1), ${engine}, after each session's first run`,
        unit: 'ms',
        subject,
        value: throughput,
        shown: `${fmt(throughput)} runs/s, p50 ${fmt(subject.median)} ms, p95 ${fmt(percentile(latencies, 95))} ms, ${errors.length} errors (first runs: ${fmt(startupWall)} ms for all ${clients}, each p50 ${fmt(summarize(firsts).median)} ms)`,
        target: '≥ 40 runs/s, 0 errors',
        pass: throughput >= 40 && errors.length === 0,
        extra: { wallMs, errors: errors.slice(0, 20), firstRunsMs: firsts, startupWallMs: startupWall },
      },
    ];
  } finally {
    await Promise.all(connected.map((client) => client.close().catch(() => {})));
    await bridge.close();
    await fixture.cleanup();
  }
}
