#!/usr/bin/env node
// How heavy the built bridge is when it serves stdio, with no MCP server configured and a warm pool of 2: spawn →
// `initialize` answered (median of several spawns, beside the CPU time it took and a bare node's start), then, after
// one run with the pool full again, its resident memory (VmRSS) and, in a second bridge started with probes, its
// JavaScript heap (not collected first) and the modules it loaded. Needs the built bridge and a container engine.
// Usage: node apps/bridge/scripts/footprint.mjs [--spawns 10] [--engine podman] [--cli dist/cli.js] [--json]
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    cli: { type: 'string', default: fileURLToPath(new URL('../dist/cli.js', import.meta.url)) },
    spawns: { type: 'string', default: '10' },
    engine: { type: 'string', default: 'podman' },
    image: { type: 'string', default: process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm' },
    json: { type: 'boolean', default: false },
    /** A Node option for every bridge started (repeatable), e.g. `--node-arg=--max-semi-space-size=1`. */
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const engine = values.engine;
const POOL_SIZE = 2;
const MIB = 1024 * 1024;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// The test's recorder of every module the bridge's ESM loader resolves (CommonJS ones are read from require.cache).
const RECORDER = pathToFileURL(fileURLToPath(new URL('../test/record-modules.mjs', import.meta.url))).href;
// Runs inside the bridge (--import): on SIGUSR2 writes the heap as it is (no collection first) and the CommonJS
// modules loaded.
const PROBE = `
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
process.on('SIGUSR2', () => {
  const usage = process.memoryUsage();
  writeFileSync(process.env.FOOTPRINT_FILE, JSON.stringify({ ...usage, cjs: Object.keys(require.cache) }));
});
`;

async function fixture() {
  const root = await mkdtemp(join(tmpdir(), 'codexec-footprint-'));
  const home = join(root, 'home');
  const project = join(root, 'project');
  await Promise.all([mkdir(home), mkdir(project)]);
  await writeFile(join(root, 'probe.mjs'), PROBE);
  return { root, home, project, probe: join(root, 'probe.mjs') };
}

function start(fx, { nodeArgs = [], env = {} } = {}) {
  let log = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...values['node-arg'], ...nodeArgs, resolve(values.cli), '--home', fx.home, '--cwd', fx.project],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: fx.home,
      MCP_BRIDGE_IMAGE: values.image,
      MCP_BRIDGE_RUNTIME: engine,
      MCP_BRIDGE_LOG_LEVEL: 'info',
      MCP_BRIDGE_POOL_SIZE: String(POOL_SIZE),
      MCP_BRIDGE_SESSION: 'fresh',
      ...env,
    },
    cwd: fx.project,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk) => {
    log += chunk.toString();
  });
  const client = new Client({ name: 'footprint', version: '0.0.0' });
  return { transport, client, log: () => log };
}

async function labels(label) {
  const { stdout } = await run(engine, ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.State}}']);
  return stdout.split('\n').filter(Boolean);
}

/** CPU time the process has used so far (user + system), in ms: less at the mercy of a busy machine than a clock. */
async function cpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** How long a bare `node` takes to start and exit here: the floor under any spawn time measured beside it. */
async function bareNodeMs() {
  const started = performance.now();
  await run(process.execPath, ['-e', '']);
  return performance.now() - started;
}

function status(pid) {
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) => {
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1]) / 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM'), anon: kib('RssAnon'), file: kib('RssFile') };
  });
}

/** A bridge through one run, until its pool is full again and 2 s more; it is left running. */
async function idleBridge(fx, options) {
  const bridge = start(fx, options);
  try {
    return await untilIdle(bridge);
  } catch (error) {
    await close(bridge);
    throw new Error(`${error.message}\n${bridge.log().slice(-3000)}`);
  }
}

async function untilIdle(bridge) {
  await bridge.client.connect(bridge.transport);
  await bridge.client.listTools();
  const result = await bridge.client.callTool(
    { name: 'run_python', arguments: { code: 'print(1)' } },
    undefined,
    {
      timeout: 180_000,
    },
  );
  if (result.structuredContent?.status !== 'success')
    throw new Error(`print(1) failed: ${JSON.stringify(result)}`);
  const label = /label="?(codexec\.instance=[^\s"]+)/.exec(bridge.log())?.[1];
  if (!label) throw new Error(`no label in the log:\n${bridge.log()}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const states = await labels(label);
    if (states.length === POOL_SIZE && states.every((s) => /^(running|up)/i.test(s))) break;
    if (Date.now() > deadline) throw new Error(`the pool did not fill: ${states.join(', ')}`);
    await sleep(150);
  }
  await sleep(2000);
  return { ...bridge, label };
}

async function close(bridge) {
  await bridge.client.close().catch(() => {});
  if (bridge.label) {
    const { stdout } = await run(engine, ['ps', '-aq', '--filter', `label=${bridge.label}`]);
    const left = stdout.split('\n').filter(Boolean);
    if (left.length) await run(engine, ['rm', '-f', ...left]);
  }
}

const fx = await fixture();
try {
  const spawns = [];
  const cpu = [];
  const bare = [];
  for (let i = 0; i < Number(values.spawns); i += 1) {
    bare.push(await bareNodeMs());
    const bridge = start(fx);
    const started = performance.now();
    await bridge.client.connect(bridge.transport);
    spawns.push(performance.now() - started);
    cpu.push(await cpuMs(bridge.transport.pid));
    await close(bridge);
  }

  const plain = await idleBridge(fx);
  const { rss, hwm, anon, file: fileBacked } = await status(plain.transport.pid);
  await close(plain);

  const file = join(fx.root, 'usage.json');
  const probed = await idleBridge(fx, {
    nodeArgs: ['--import', RECORDER, '--import', pathToFileURL(fx.probe).href],
    env: { FOOTPRINT_FILE: file, CODEXEC_MODULES_FILE: `${file}.esm` },
  });
  process.kill(probed.transport.pid, 'SIGUSR2');
  let usage;
  for (let i = 0; i < 100 && !usage; i += 1) {
    await sleep(50);
    usage = await readFile(file, 'utf8').then(JSON.parse, () => undefined);
  }
  const esm = [...new Set((await readFile(`${file}.esm`, 'utf8')).split('\n').filter(Boolean))];
  await close(probed);

  const files = [
    ...new Set([...esm.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)), ...usage.cjs]),
  ];
  const byPackage = new Map();
  for (const f of files) {
    const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(f);
    const key = m
      ? m[1]
      : f.includes('/packages/')
        ? `workspace:${f.split('/packages/')[1].split('/')[0]}`
        : f;
    byPackage.set(key, (byPackage.get(key) ?? 0) + 1);
  }
  const report = {
    spawnToInitializeMs: { median: median(spawns), all: spawns.map((t) => Math.round(t)) },
    cpuToInitializeMs: { median: median(cpu), all: cpu },
    bareNodeMs: { median: median(bare) },
    idle: { rssMiB: rss, hwmMiB: hwm, anonMiB: anon, fileMiB: fileBacked },
    probed: {
      heapUsedMiB: usage.heapUsed / MIB,
      heapTotalMiB: usage.heapTotal / MIB,
      rssMiB: usage.rss / MIB,
    },
    modules: { files: files.length, builtins: esm.filter((u) => u.startsWith('node:')).length },
    byPackage: Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1])),
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `spawn → initialize answered: median ${median(spawns).toFixed(0)} ms (${report.spawnToInitializeMs.all.join(', ')})`,
    );
    console.log(
      `  CPU time used by then: median ${median(cpu)} ms; a bare node -e '' takes ${median(bare).toFixed(0)} ms here`,
    );
    console.log(
      `idle RSS ${rss.toFixed(1)} MiB (anonymous ${anon.toFixed(1)}, file-backed ${fileBacked.toFixed(1)}; peak ${hwm.toFixed(1)} MiB)`,
    );
    console.log(
      `with the probe: heap used ${report.probed.heapUsedMiB.toFixed(1)} MiB of ${report.probed.heapTotalMiB.toFixed(1)} MiB`,
    );
    console.log(`modules: ${files.length} files`);
    for (const [k, n] of Object.entries(report.byPackage)) console.log(`  ${String(n).padStart(4)} ${k}`);
  }
} finally {
  await rm(fx.root, { recursive: true, force: true });
}
