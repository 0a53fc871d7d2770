// (9) how soon a client can talk to the bridge: from spawning `node cli.js` to the answer of `initialize` on stdio,
// beside a bare Node process that answers one line (what no server written for Node can beat).
import { spawn } from 'node:child_process';
import { BRIDGE_CLI, createFixture, testServer } from '../lib/bridge.js';
import { type Engine, IMAGE } from '../lib/engines.js';
import { ensureGone } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, summarize } from '../lib/stats.js';

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'codexec-bench-startup', version: '0.0.0' },
  },
})}\n`;

/** A process that answers its first stdin line with one line: the floor of any Node server's start. */
const BARE_NODE = [
  '-e',
  "process.stdin.once('data', () => { process.stdout.write('{}\\n'); process.exit(0); })",
];

/** Milliseconds from spawn to the first line on stdout, after writing `INITIALIZE` at once. */
function timeToFirstLine(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no answer to initialize within 30 s'));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      const ms = performance.now() - started;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      // The next spawn waits until this process has gone, so that none measures another's shutdown.
      child.stdin.end();
      void (child.pid === undefined ? Promise.resolve() : ensureGone(child.pid, 5000)).then(() => {
        if (!out.startsWith('{')) reject(new Error(`unexpected answer: ${out.slice(0, 200)}`));
        else resolve(ms);
      });
    });
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.stdin.write(INITIALIZE);
  });
}

export async function startup(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const rounds = ctx.quick ? 8 : 20;
  const fixture = await createFixture(() => ({ test: testServer() }));
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: fixture.home,
      MCP_BRIDGE_IMAGE: IMAGE,
      MCP_BRIDGE_RUNTIME: engine,
    };
    const bridgeArgs = [BRIDGE_CLI, '--home', fixture.home, '--cwd', fixture.project];
    ctx.log(`startup: ${rounds} bridges and bare Node processes, spawn to the first answer, alternating`);
    await timeToFirstLine(bridgeArgs, env, fixture.project); // the file cache, not the bridge, is measured cold
    const bridge: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      bridge.push(await timeToFirstLine(bridgeArgs, env, fixture.project));
      bare.push(await timeToFirstLine(BARE_NODE, env, fixture.project));
    }
    const subject = summarize(bridge);
    return [
      {
        id: 'spawn-to-initialize',
        what: `(9) spawn of the bridge to its answer of initialize on stdio, beside bare Node answering one line (${rounds} each, median)`,
        unit: 'ms',
        subject,
        baseline: summarize(bare),
        value: subject.median,
        shown: `${fmt(subject.median)} ms`,
        target: '≤ 300 ms',
        pass: subject.median <= 300,
      },
    ];
  } finally {
    await fixture.cleanup();
  }
}
