/**
 * Wall time of a hardened hello world through the adapters, beside a bare `run --rm IMAGE python3 -c pass`, for
 * podman and docker. Medians of N runs after one warm-up.
 *
 *   pnpm exec tsx bench/spawn.ts [runs=10]
 *   CODEXEC_TEST_IMAGE=… to use another image (default localhost/codexec-python:bookworm)
 *
 * Rootful podman on this kind of machine cannot start a container without explicit rlimits (its defaults are above
 * the host's hard limits), so the "bare" podman run carries `--ulimit nofile=… --ulimit nproc=…` and nothing else.
 */
import { loadavg } from 'node:os';
import { execa } from 'execa';
import {
  buildRunArgs,
  type ContainerRuntime,
  type ContainerSpec,
  containerLabels,
  containerName,
  createDockerRuntime,
  createPodmanRuntime,
  DEFAULT_LIMITS,
  type EngineName,
} from '../src/index.js';

const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
const RUNS = Number(process.argv[2] ?? 10);
const LABELS = containerLabels(`bench-${process.pid}`);
let seq = 0;

function spec(command: string[]): ContainerSpec {
  seq += 1;
  return {
    image: IMAGE,
    name: containerName(`bench-${process.pid}-${seq}`),
    labels: LABELS,
    command,
    limits: { ...DEFAULT_LIMITS },
  };
}

async function cli(engine: EngineName, args: string[]): Promise<void> {
  const result = await execa(engine, args, { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) throw new Error(`${engine} ${args.join(' ')}: ${result.stderr}`);
}

async function adapterHello(runtime: ContainerRuntime, withStop: boolean): Promise<void> {
  const container = runtime.spawn(spec(['python3', '-c', 'print("hello")']));
  container.stdin.end();
  container.stderr.resume();
  let out = '';
  container.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exit = await container.exited;
  if (exit.code !== 0 || out !== 'hello\n')
    throw new Error(`unexpected result ${JSON.stringify({ exit, out })}`);
  if (withStop) await container.stop();
}

async function measure(
  label: string,
  fn: () => Promise<void>,
): Promise<{ label: string; median: number; min: number; max: number }> {
  await fn(); // warm-up: page cache, engine state
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  const row = { label, median, min: times[0]!, max: times.at(-1)! };
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(0).padStart(5)} ms   (min ${row.min.toFixed(0)}, max ${row.max.toFixed(0)})`,
  );
  return row;
}

const rlimits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

console.log(`image ${IMAGE}, ${RUNS} runs each, medians after one warm-up`);
// Other work on the machine dominates container start times; say how busy it was.
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
for (const engine of ['podman', 'docker'] as const) {
  const runtime = engine === 'podman' ? createPodmanRuntime() : createDockerRuntime();
  try {
    const info = await runtime.info();
    console.log(
      `${engine} ${info.version} (${info.rootless ? 'rootless' : 'rootful'}, ${info.defaultOciRuntime ?? '?'})`,
    );
  } catch (error) {
    console.log(`${engine}: skipped (${(error as Error).message.split('\n')[0]})\n`);
    continue;
  }
  const bare = ['run', '--rm', ...(engine === 'podman' ? rlimits : []), IMAGE, 'python3', '-c', 'pass'];
  await measure(`${engine}: bare \`run --rm IMAGE python3 -c pass\``, () => cli(engine, bare));
  const hardened = (logDriver: boolean) => {
    const args = buildRunArgs(spec(['python3', '-c', 'pass']), { engine });
    if (!logDriver) args.splice(args.indexOf('--log-driver'), 2);
    return cli(engine, args);
  };
  await measure(`${engine}: hardened argv, CLI directly`, () => hardened(true));
  await measure(`${engine}: hardened argv without --log-driver none`, () => hardened(false));
  await measure(`${engine}: adapter spawn, hello world, until exited`, () => adapterHello(runtime, false));
  await measure(`${engine}: adapter spawn, hello world, exited + stop()`, () => adapterHello(runtime, true));
  await runtime.reap(LABELS);
  console.log('');
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
