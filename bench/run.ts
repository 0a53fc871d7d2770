/**
 * The benchmark suite (`pnpm bench` from the repository root). Drives the built bridge over stdio with the SDK's
 * client on this machine's container engine and test image, prints a table and writes bench/results/latest.json.
 *
 *   pnpm bench                   everything, podman first and docker too for the run times when it is there
 *   pnpm bench --quick           fewer rounds (a few minutes)
 *   pnpm bench --only=runs,calls sections: runs, sessions, calls, concurrency, tokens, results, memory, relay,
 *                                remote (podman and docker through the remote engines of provision-engines.sh),
 *                                kubernetes (pods through the Kubernetes adapter on the API server stand-in, podman)
 *   pnpm bench --engine=docker   the engine of every section (default podman, else docker)
 *   pnpm bench --no-build        use the dist folders as they are
 *
 * Baselines are measured in the same run and interleaved with the subjects; figures are medians and p95. The run-time
 * baselines are containers with the bridge's own hardened arguments run through the engine's CLI (lib/hardened-run.ts).
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeAllBridges } from './lib/bridge.js';
import { type Engine, engineReady, IMAGE, removeWithLabel } from './lib/engines.js';
import { BENCH_LABEL } from './lib/hardened-run.js';
import { command, withTimeout } from './lib/process.js';
import { type BenchContext, type Failure, markdown, type Row, table } from './lib/report.js';
import { concurrency } from './sections/concurrency.js';
import { controlCost } from './sections/control-cost.js';
import { kubernetesRuns } from './sections/kubernetes.js';
import { memory } from './sections/memory.js';
import { publishedCalls } from './sections/published-calls.js';
import { relay } from './sections/relay.js';
import { remoteRuns } from './sections/remote.js';
import { runTimes } from './sections/run-times.js';
import { httpSessions, sessionRuns } from './sections/sessions.js';
import { startup } from './sections/startup.js';
import { contextTokens, resultTokens } from './sections/tokens.js';
import { toolCalls } from './sections/tool-calls.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECTIONS = [
  'runs',
  'sessions',
  'calls',
  'concurrency',
  'tokens',
  'results',
  'memory',
  'relay',
  'remote',
  'kubernetes',
] as const;
type Section = (typeof SECTIONS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    engine: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'no-docker': { type: 'boolean', default: false },
  },
});

const started = Date.now();
const log = (message: string): void => {
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
};

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the bridge, its packages and the test server when a dist is missing or older than its source. */
async function ensureBuilt(): Promise<void> {
  const folders = [
    'apps/bridge',
    'packages/frame-protocol',
    'packages/toon-output',
    'packages/config-discovery',
    'packages/upstream-pool',
    'packages/container-runtime',
    'packages/sandbox',
    'packages/test-server',
  ];
  const stale = folders.filter((folder) => {
    const dist = join(ROOT, folder, 'dist');
    try {
      return newestMtime(join(ROOT, folder, 'src')) > newestMtime(dist);
    } catch {
      return true;
    }
  });
  if (stale.length === 0) return;
  log(`building (${stale.join(', ')} out of date)`);
  const result = await command(
    'pnpm',
    ['--filter', '@codexec/code-exec-bridge...', '--filter', '@codexec/test-server', 'build'],
    600_000,
  );
  if (result.code !== 0)
    throw new Error(`the build failed:\n${result.stdout.slice(-3000)}${result.stderr.slice(-3000)}`);
}

const ctx: BenchContext = { quick: flags.quick ?? false, log };
const rows: Row[] = [];
const failures: Failure[] = [];

/**
 * Ends every bridge still running and removes their containers (by instance and owner labels), and any container the
 * bench started itself (baselines, relay probes) that an interruption left behind.
 */
async function cleanUp(): Promise<void> {
  await closeAllBridges();
  await Promise.all((['podman', 'docker'] as const).map((engine) => removeWithLabel(engine, BENCH_LABEL)));
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function section(name: string, budgetMs: number, work: () => Promise<Row[]>): Promise<void> {
  log(`== ${name}`);
  try {
    const produced = await withTimeout(work(), budgetMs, `the section ${name}`);
    rows.push(...produced);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`!! ${name} failed: ${message.split('\n')[0]}`);
    failures.push({ section: name, error: message });
    await closeAllBridges();
  }
}

async function main(): Promise<number> {
  const wanted = new Set<Section>(
    flags.only ? (flags.only.split(',').map((s) => s.trim()) as Section[]) : [...SECTIONS],
  );
  for (const name of wanted) {
    if (!SECTIONS.includes(name))
      throw new Error(`--only: unknown section ${name}; known: ${SECTIONS.join(', ')}`);
  }
  if (!flags['no-build']) await ensureBuilt();

  const podman = await engineReady('podman');
  const docker = await engineReady('docker');
  const primary: Engine | undefined =
    (flags.engine as Engine | undefined) ?? (podman.ok ? 'podman' : docker.ok ? 'docker' : undefined);
  const engines = { podman, docker };
  log(
    `image ${IMAGE}; podman: ${podman.ok ? podman.version : podman.reason}; docker: ${docker.ok ? docker.version : docker.reason}`,
  );
  const needsEngine = [...wanted].some((s) => s !== 'results');
  if (needsEngine && (!primary || !engines[primary].ok)) {
    failures.push({ section: 'engines', error: `no usable engine: ${podman.reason}; ${docker.reason}` });
  }
  const minutes = (m: number) => m * 60_000 * (ctx.quick ? 0.6 : 1);
  const load = loadavg();

  if (primary && engines[primary].ok) {
    if (wanted.has('runs')) {
      await section(`run times (${primary})`, minutes(20), () => runTimes(ctx, primary));
      const other: Engine = primary === 'podman' ? 'docker' : 'podman';
      if (!flags['no-docker'] && engines[other].ok && !flags.engine) {
        await section(`run times (${other})`, minutes(20), () => runTimes(ctx, other));
      }
    }
    if (wanted.has('sessions')) {
      await section(`session runs (${primary})`, minutes(10), () => sessionRuns(ctx, primary));
      const other: Engine = primary === 'podman' ? 'docker' : 'podman';
      if (!flags['no-docker'] && engines[other].ok && !flags.engine) {
        await section(`session runs (${other})`, minutes(10), () => sessionRuns(ctx, other));
      }
      await section(`HTTP sessions (${primary})`, minutes(10), () => httpSessions(ctx, primary));
    }
    if (wanted.has('calls')) {
      await section('tool calls', minutes(15), () => toolCalls(ctx, primary));
      await section('calls to published servers', minutes(10), () => publishedCalls(ctx, primary));
      await section('control cost', minutes(10), () => controlCost(ctx, primary));
    }
    if (wanted.has('concurrency'))
      await section('concurrent runs', minutes(10), () => concurrency(ctx, primary));
    if (wanted.has('tokens')) await section('context tokens', minutes(10), () => contextTokens(ctx, primary));
    if (wanted.has('memory')) {
      await section('memory', minutes(20), () => memory(ctx, primary));
      await section('startup', minutes(3), () => startup(ctx, primary));
    }
    if (wanted.has('relay')) await section(`relay (${primary})`, minutes(10), () => relay(ctx, primary));
    if (wanted.has('remote')) {
      for (const engine of ['podman', 'docker'] as const) {
        if (!engines[engine].ok || (flags.engine && flags.engine !== engine)) continue;
        await section(`remote engine (${engine})`, minutes(10), () => remoteRuns(ctx, engine));
      }
    }
    if (wanted.has('kubernetes')) {
      // The stand-in of the API server runs its pods with podman: the baseline is local podman, whatever --engine says.
      if (podman.ok)
        await section('kubernetes (API server stand-in)', minutes(10), () => kubernetesRuns(ctx));
      else
        failures.push({
          section: 'kubernetes',
          error: `the API server stand-in runs pods with podman: ${podman.reason}`,
        });
    }
  }
  if (wanted.has('results')) await section('result tokens', minutes(2), async () => resultTokens());

  await cleanUp();

  const commit = await command('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], 10_000);
  const report = {
    meta: {
      date: new Date().toISOString(),
      quick: ctx.quick,
      node: process.version,
      cpus: cpus().length,
      loadavgAtStart: load,
      loadavgAtEnd: loadavg(),
      image: IMAGE,
      engines: { podman: podman.ok ? podman.version : null, docker: docker.ok ? docker.version : null },
      commit: commit.stdout.trim(),
      durationS: Math.round((Date.now() - started) / 1000),
      poolNote: ctx.poolNote ?? null,
    },
    results: rows,
    failures,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(`\n${table(rows)}\n`);
  if (ctx.poolNote) console.log(`Note: ${ctx.poolNote}\n`);
  for (const row of rows.filter((r) => r.note && r.note !== ctx.poolNote))
    console.log(`${row.id}: ${row.note}`);
  if (failures.length) {
    console.log(`\n${failures.length} section(s) failed:`);
    for (const f of failures) console.log(`- ${f.section}: ${f.error.split('\n').slice(0, 5).join('\n  ')}`);
  }
  console.log(
    `\nload average at start ${load.map((l) => l.toFixed(1)).join(' ')}, at end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('written: bench/results/latest.json');
  if (process.env.BENCH_MARKDOWN) console.log(`\n${markdown(rows)}`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  },
);
