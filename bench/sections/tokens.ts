// (6) context tokens: the bridge's tools/list against the upstreams' tools/lists it replaces (the three published
// servers alone, then with the in-repo test server's synthetic tools), and the bridge's own tools/list as the number
// of servers grows; (7) result tokens: TOON against minified and indented JSON text.
import { join } from 'node:path';
import { type RunOutcome, render } from '@codexec/toon-output';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { BridgeSession, binOf, createFixture, type ServerEntry, testServer } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import { withTimeout } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt } from '../lib/stats.js';

const encoder = new Tiktoken(o200kBase);
/** o200k_base tokens of a text. */
export const tokens = (text: string): number => encoder.encode(text).length;
/** What a client puts in the model's context for a tool list: the tools as JSON. */
const toolListTokens = (tools: Tool[]): number => tokens(JSON.stringify(tools));
/** The part of each tool that every client shows the model: name, description and input schema. */
const modelVisibleTokens = (tools: Tool[]): number =>
  tokens(
    JSON.stringify(
      tools.map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
      })),
    ),
  );

/** Three published MCP servers, installed for the bench. */
export function publishedServers(data: string, root: string): Record<string, ServerEntry> {
  return {
    everything: {
      command: process.execPath,
      args: [binOf('@modelcontextprotocol/server-everything')],
      description: 'Every MCP feature, as a reference server',
    },
    files: {
      command: process.execPath,
      args: [binOf('@modelcontextprotocol/server-filesystem'), data],
      description: 'Read and write files under the data directory',
    },
    memory: {
      command: process.execPath,
      args: [binOf('@modelcontextprotocol/server-memory')],
      env: { MEMORY_FILE_PATH: join(root, 'memory.jsonl') },
      description: 'A knowledge graph of entities, relations and observations',
    },
  };
}

/** The published servers and the in-repo test server in its many-tools mode: synthetic tools shaped like GitHub's. */
function withSyntheticServer(data: string, root: string): Record<string, ServerEntry> {
  return {
    ...publishedServers(data, root),
    github: {
      ...testServer('many-tools'),
      description: 'Issues, pull requests, files, releases and CI runs',
    },
  };
}

async function upstreamTools(name: string, entry: ServerEntry): Promise<Tool[]> {
  const client = new Client({ name: 'codexec-bench-tokens', version: '0.0.0' });
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...entry.env },
    stderr: 'ignore',
  });
  try {
    await withTimeout(client.connect(transport), 60_000, `connecting to ${name}`);
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await withTimeout(
        client.listTools(cursor ? { cursor } : undefined),
        60_000,
        `${name} tools/list`,
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  } finally {
    await client.close().catch(() => {});
  }
}

/** `count` servers that are configured but never started (tools/list of the bridge starts none). */
function fakeServers(count: number): Record<string, ServerEntry> {
  const kinds = ['tickets', 'invoices', 'customers', 'orders', 'documents', 'metrics', 'alerts', 'builds'];
  const servers: Record<string, ServerEntry> = {};
  for (let i = 1; i <= count; i += 1) {
    const kind = kinds[i % kinds.length]!;
    servers[`${kind}-${String(i).padStart(3, '0')}`] = {
      ...testServer(),
      description: `Search, read and update ${kind} in system number ${i} of the company`,
    };
  }
  return servers;
}

interface ListTokens {
  perServer: Record<string, { tools: number; tokens: number; visible: number }>;
  tools: number;
  upstream: number;
  upstreamVisible: number;
  bridge: number;
  bridgeVisible: number;
}

/** The upstreams' tool lists and the bridge's own, with exactly these servers configured. */
async function listTokens(
  engine: Engine,
  servers: (data: string, root: string) => Record<string, ServerEntry>,
): Promise<ListTokens> {
  const fixture = await createFixture(servers);
  try {
    const perServer: ListTokens['perServer'] = {};
    for (const [name, entry] of Object.entries(servers(fixture.data, fixture.root))) {
      const tools = await upstreamTools(name, entry);
      perServer[name] = {
        tools: tools.length,
        tokens: toolListTokens(tools),
        visible: modelVisibleTokens(tools),
      };
    }
    const sum = (pick: (v: ListTokens['perServer'][string]) => number) =>
      Object.values(perServer).reduce((s, v) => s + pick(v), 0);
    // As shipped: sessions on, so the description and schema carry what they add.
    const session = await BridgeSession.start({
      engine,
      fixture,
      poolSize: 0,
      env: { MCP_BRIDGE_SESSION: 'persistent' },
    });
    try {
      const tools = await session.tools();
      return {
        perServer,
        tools: sum((v) => v.tools),
        upstream: sum((v) => v.tokens),
        upstreamVisible: sum((v) => v.visible),
        bridge: toolListTokens(tools),
        bridgeVisible: modelVisibleTokens(tools),
      };
    } finally {
      await session.close();
    }
  } finally {
    await fixture.cleanup();
  }
}

const fewer = (bridge: number, upstream: number): number => (1 - bridge / upstream) * 100;

export async function contextTokens(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const rows: Row[] = [];
  const published = await listTokens(engine, publishedServers);
  const all = await listTokens(engine, withSyntheticServer);
  const synthetic = all.perServer.github!;
  ctx.log(
    `tokens: ${published.tools} published tools = ${published.upstream} tokens (bridge ${published.bridge}); ` +
      `with ${synthetic.tools} synthetic ones ${all.upstream} (bridge ${all.bridge})`,
  );
  const publishedReduction = fewer(published.bridge, published.upstream);
  rows.push({
    id: 'context-tokens-published',
    what: `(6a) tools/list tokens: the bridge vs the 3 published servers it replaces (${published.tools} tools)`,
    unit: 'tokens',
    value: publishedReduction,
    shown: `${published.bridge} vs ${published.upstream} tokens: -${fmt(publishedReduction, 1)}%`,
    target: 'reported',
    extra: { ...published },
  });
  const reduction = fewer(all.bridge, all.upstream);
  rows.push({
    id: 'context-tokens',
    what:
      `(6) the same with the in-repo test server's ${synthetic.tools} synthetic tools added ` +
      `(4 servers, ${all.tools} tools)`,
    unit: 'tokens',
    value: reduction,
    shown: `${all.bridge} vs ${all.upstream} tokens: -${fmt(reduction, 1)}%`,
    target: all.tools >= 100 ? '≥ 98% fewer' : '≥ 98% fewer (needs ≥ 100 tools!)',
    pass: reduction >= 98 && all.tools >= 100,
    extra: { ...all },
  });
  rows.push({
    id: 'context-tokens-visible',
    what: '(6c) the same two, counting only name, description and input schema of each tool',
    unit: 'tokens',
    value: fewer(published.bridgeVisible, published.upstreamVisible),
    shown:
      `published: ${published.bridgeVisible} vs ${published.upstreamVisible} tokens: ` +
      `-${fmt(fewer(published.bridgeVisible, published.upstreamVisible), 1)}%; with the synthetic server: ` +
      `${all.bridgeVisible} vs ${all.upstreamVisible}: -${fmt(fewer(all.bridgeVisible, all.upstreamVisible), 1)}%`,
    target: 'reported',
    note: 'informative: many clients do not show output schemas to the model',
  });

  const growth: Record<string, number> = {};
  for (const count of [1, 10, 100]) {
    const many = await createFixture(() => fakeServers(count));
    try {
      const session = await BridgeSession.start({
        engine,
        fixture: many,
        poolSize: 0,
        env: { MCP_BRIDGE_SESSION: 'persistent' },
      });
      try {
        growth[String(count)] = toolListTokens(await session.tools());
      } finally {
        await session.close();
      }
    } finally {
      await many.cleanup();
    }
  }
  const worst = Math.max(...Object.values(growth));
  rows.push({
    id: 'bridge-list-growth',
    what: "(6b) the bridge's own tools/list tokens with 1 / 10 / 100 servers",
    unit: 'tokens',
    value: worst,
    shown: Object.entries(growth)
      .map(([n, t]) => `${n}: ${t}`)
      .join(', '),
    target: '< 1,000 each',
    pass: worst < 1000,
    extra: growth,
  });
  return rows;
}

/** A tabular result (a list of records, as tool results often are) and a typical run with output and a value. */
function resultFixtures(): Record<string, RunOutcome> {
  const states = ['open', 'closed'];
  const people = ['ada', 'grace', 'linus', 'margaret', 'ken'];
  const issues = Array.from({ length: 40 }, (_, i) => ({
    number: 1200 + i,
    title: `Crash when parsing config file number ${i} with a trailing comma`,
    state: states[i % 2]!,
    author: people[i % people.length]!,
    comments: (i * 7) % 13,
    updated: `2026-11-${String((i % 28) + 1).padStart(2, '0')}`,
  }));
  return {
    tabular: {
      status: 'success',
      servers: ['github'],
      value: { repr: JSON.stringify(issues), json: issues },
      durationMs: 812,
      calls: 1,
    },
    typical: {
      status: 'success',
      servers: ['github', 'files'],
      stdout:
        'Found 3 stale branches\nDeleted feature/old-login\nDeleted fix/typo-readme\nKept release/2.x (protected)\n',
      value: {
        repr: "{'deleted': 2, 'kept': ['release/2.x'], 'errors': []}",
        json: { deleted: 2, kept: ['release/2.x'], errors: [] },
      },
      durationMs: 1534,
      calls: 5,
    },
  };
}

/** The `json` mode's block with its JSON minified: what a careful user would hand a model instead of indented JSON. */
function minifiedJsonBlock(indented: string): string {
  const body = indented.replace(/^```json\n/, '').replace(/\n```$/, '');
  return `\`\`\`json\n${JSON.stringify(JSON.parse(body))}\n\`\`\``;
}

export function resultTokens(): Row[] {
  const rows: Row[] = [];
  for (const [name, outcome] of Object.entries(resultFixtures())) {
    const toon = tokens(render(outcome, { mode: 'toon' }).text);
    const indentedText = render(outcome, { mode: 'json' }).text;
    const indented = tokens(indentedText);
    const minified = tokens(minifiedJsonBlock(indentedText));
    const ratio = toon / minified;
    const tabular = name === 'tabular';
    rows.push({
      id: `result-tokens/${name}`,
      what: `(7) result text tokens, ${tabular ? 'a tabular result (40 records)' : 'a typical run result'}: TOON vs minified JSON (and vs indented JSON)`,
      unit: 'tokens',
      value: ratio,
      shown:
        `${toon} vs ${minified} tokens: ${fmt(ratio)}× minified JSON; ` +
        `vs ${indented} tokens: ${fmt(toon / indented)}× indented JSON`,
      target: tabular ? '≤ 0.7×' : 'reported',
      pass: tabular ? ratio <= 0.7 : undefined,
      extra: { toon, minifiedJson: minified, indentedJson: indented },
    });
  }
  return rows;
}
