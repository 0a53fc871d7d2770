/**
 * Wall time of a hello-world run through the sandbox beside a bare `run --rm IMAGE python3 -c pass`, per engine.
 * Medians of RUNS runs (default 10), one at a time. Run from the repository root:
 *   pnpm exec tsx --conditions=@codexec/source packages/sandbox/bench/hello.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type ContainerRuntime, createDockerRuntime, createPodmanRuntime } from '@codexec/container-runtime';
import { createSandbox } from '../src/index.js';

const run = promisify(execFile);
const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
const RUNS = Number(process.env.RUNS ?? 10);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function measure(name: string, runtime: ContainerRuntime): Promise<void> {
  try {
    await runtime.info({ timeoutMs: 20_000 });
  } catch (error) {
    console.log(`${name}: not available (${(error as Error).message})`);
    return;
  }
  // Rootful podman here needs explicit rlimits (ENVIRONMENT.md); docker runs the bare command as it is.
  const bare =
    name === 'podman'
      ? [
          'run',
          '--rm',
          '--ulimit',
          'nofile=1024:1024',
          '--ulimit',
          'nproc=1024:1024',
          IMAGE,
          'python3',
          '-c',
          'pass',
        ]
      : ['run', '--rm', IMAGE, 'python3', '-c', 'pass'];
  const sandbox = createSandbox({ runtime, image: IMAGE });
  const bareTimes: number[] = [];
  const sandboxTimes: number[] = [];
  const resultDurations: number[] = [];
  // One warm-up of each, not counted.
  await run(name, bare);
  await sandbox.run({ code: "print('hello world')" });
  for (let i = 0; i < RUNS; i += 1) {
    bareTimes.push(await time(() => run(name, bare)));
    sandboxTimes.push(
      await time(async () => {
        const result = await sandbox.run({ code: "print('hello world')" });
        if (result.status !== 'success') throw new Error(JSON.stringify(result));
        resultDurations.push(result.durationMs);
      }),
    );
  }
  await sandbox.close();
  const fmt = (ms: number): string => `${Math.round(ms)} ms`;
  console.log(
    `${name}: bare \`run --rm IMAGE python3 -c pass\` median ${fmt(median(bareTimes))}; ` +
      `sandbox.run hello world median ${fmt(median(sandboxTimes))} wall ` +
      `(durationMs median ${fmt(median(resultDurations))}, the rest is removing the container); ${RUNS} runs each`,
  );
}

await measure('podman', createPodmanRuntime());
await measure('docker', createDockerRuntime());
