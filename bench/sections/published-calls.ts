// (3c) proxied calls to servers from the npm registry, what users run, against the same calls made directly with the
// SDK from a fresh Node process: warmed up (both sides call for 2 s first, untimed) and the first calls of a freshly
// started bridge against the first calls of a freshly connected client. The bridge uses its default channel.
import { fileURLToPath } from 'node:url';
import { BridgeSession, createFixture, listValueOf, type ServerEntry } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import { command } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, summarize } from '../lib/stats.js';
import { publishedServers } from './tokens.js';

const DIRECT_CALLS = fileURLToPath(new URL('../lib/direct-calls.mjs', import.meta.url));

interface Case {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The same call as Python in a run. */
  python: string;
}

const CASES: Case[] = [
  {
    server: 'everything',
    tool: 'echo',
    arguments: { message: 'x' },
    python: 'mcp_everything.echo(message="x")',
  },
  {
    server: 'files',
    tool: 'list_allowed_directories',
    arguments: {},
    python: 'mcp_files.list_allowed_directories()',
  },
];

/** Times `calls` awaited calls inside one run, after calling for `warmUpMs` untimed. */
export function proxiedCode(call: string, calls: number, warmUpMs: number): string {
  return [
    'import time',
    `warm_until = time.perf_counter() + ${warmUpMs / 1000}`,
    'while time.perf_counter() < warm_until:',
    `    await ${call}`,
    'samples = []',
    `for _ in range(${calls}):`,
    '    t0 = time.perf_counter()',
    `    await ${call}`,
    '    samples.append(round((time.perf_counter() - t0) * 1000, 4))',
    'samples',
  ].join('\n');
}

/** Samples of `calls` direct SDK calls of `c.tool`, timed in a fresh Node process (`direct-calls.mjs`). */
export async function directSamples(
  entry: ServerEntry,
  c: Pick<Case, 'server' | 'tool' | 'arguments'>,
  calls: number,
  warmUpMs: number,
): Promise<number[]> {
  const result = await command(
    process.execPath,
    [
      DIRECT_CALLS,
      c.tool,
      JSON.stringify(c.arguments),
      String(calls),
      String(warmUpMs),
      '--',
      entry.command,
      ...entry.args,
    ],
    120_000,
  );
  if (result.code !== 0)
    throw new Error(`direct ${c.server}.${c.tool} failed: ${result.stderr.slice(-1000)}`);
  return JSON.parse(result.stdout) as number[];
}

async function proxiedSamples(bridge: BridgeSession, c: Case, calls: number, warmUpMs: number) {
  return (await listValueOf(bridge, proxiedCode(c.python, calls, warmUpMs), {
    servers: [c.server],
    what: `the proxied ${c.server}.${c.tool} run`,
  })) as number[];
}

export async function publishedCalls(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const calls = ctx.quick ? 200 : 500;
  const firstCalls = 200;
  const warmUpMs = 2000;
  const fixture = await createFixture(publishedServers);
  const entries = publishedServers(fixture.data, fixture.root);
  const rows: Row[] = [];
  try {
    for (const c of CASES) {
      const entry = entries[c.server]!;
      // Fresh: a new bridge whose first run makes these calls first, against a new client making them first.
      ctx.log(
        `published servers: first ${firstCalls} ${c.server}.${c.tool} calls of a fresh bridge and client`,
      );
      const fresh = await BridgeSession.start({ engine, fixture, poolSize: 0 });
      let freshProxied: number[];
      let warmProxied: number[];
      try {
        freshProxied = await proxiedSamples(fresh, c, firstCalls, 0);
        ctx.log(`published servers: ${calls} ${c.server}.${c.tool} calls after ${warmUpMs} ms of warm-up`);
        warmProxied = await proxiedSamples(fresh, c, calls, warmUpMs);
      } finally {
        await fresh.close();
      }
      const freshDirect = await directSamples(entry, c, firstCalls, 0);
      const warmDirect = await directSamples(entry, c, calls, warmUpMs);

      const warmSubject = summarize(warmProxied);
      const warmBaseline = summarize(warmDirect);
      const warmRatio = warmSubject.median / warmBaseline.median;
      rows.push({
        id: `published-call/${c.server}.${c.tool}`,
        what: `(3c) ${c.server}.${c.tool} from the npm registry: proxied from a run (default channel) vs direct SDK call from a fresh Node process, both after ${warmUpMs / 1000} s of calls (${calls} sequential, median)`,
        unit: 'ms',
        subject: warmSubject,
        baseline: warmBaseline,
        value: warmRatio,
        shown: `${fmt(warmRatio)}× direct`,
        target: '≤ 2×',
        pass: warmRatio <= 2,
      });
      const freshSubject = summarize(freshProxied);
      const freshBaseline = summarize(freshDirect);
      const freshRatio = freshSubject.mean / freshBaseline.mean;
      rows.push({
        id: `published-call-first/${c.server}.${c.tool}`,
        what: `(3d) the first ${firstCalls} ${c.server}.${c.tool} calls of a freshly started bridge vs of a freshly connected SDK client (mean)`,
        unit: 'ms',
        subject: freshSubject,
        baseline: freshBaseline,
        value: freshRatio,
        shown: `${fmt(freshRatio)}× direct`,
        target: 'reported',
      });
    }
  } finally {
    await fixture.cleanup();
  }
  return rows;
}
