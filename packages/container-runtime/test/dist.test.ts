import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { IN_CI, probeEngines, RUN_ID, readAll, TEST_IMAGE } from './engines.js';

// The published build, not the source: what users of the package import.
const dist = new URL('../dist/index.js', import.meta.url);
const missing = !existsSync(dist);
if (missing && !IN_CI) {
  console.warn(
    `\n!!! SKIPPING the container-runtime dist test: ${dist.pathname} does not exist. ` +
      'Run `pnpm --filter @codexec/container-runtime build` (the test command builds first).\n',
  );
}
const engine = (await probeEngines()).find((probe) => !probe.missing);

describe.skipIf(missing && !IN_CI)('@codexec/container-runtime dist', () => {
  const load = async () => (await import(dist.href)) as typeof import('../src/index.js');

  test('builds hardened arguments, reads settings, and types its errors', async () => {
    const lib = await load();
    const limits = lib.validateLimits({ ...lib.DEFAULT_LIMITS, memory: '1G', pids: 64 });
    expect(limits).toEqual({ ...lib.DEFAULT_LIMITS, memory: '1g', pids: 64 });
    const args = lib.buildRunArgs(
      {
        image: lib.DEFAULT_IMAGE,
        name: lib.containerName('dist'),
        labels: lib.containerLabels('dist'),
        command: ['python3', '-c', 'pass'],
        limits,
      },
      { engine: 'podman' },
    );
    expect(args.slice(0, 3)).toEqual(['run', '--interactive', '--rm']);
    expect(args).toEqual(expect.arrayContaining(['--network', 'none', '--read-only', '--memory-swap', '1g']));
    expect(args.at(-4)).toBe('docker.io/library/python:3.12-slim');
    let error: unknown;
    try {
      lib.checkLimit('cpus', 'many');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(lib.ContainerRuntimeError);
    expect(lib.isContainerRuntimeError(error, 'INVALID_OPTIONS')).toBe(true);
  });

  test('detection reports a missing runtime', async () => {
    const lib = await load();
    await expect(
      lib.detectRuntime({
        candidates: [{ engine: 'docker', command: `codexec-no-such-docker-${RUN_ID}` }],
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
  });

  test.runIf(engine !== undefined)('runs a hardened hello world', async () => {
    const lib = await load();
    const runtime = engine!.engine === 'podman' ? lib.createPodmanRuntime() : lib.createDockerRuntime();
    const container = runtime.spawn({
      image: TEST_IMAGE,
      name: lib.containerName(`${RUN_ID}-dist`),
      labels: lib.containerLabels(`test-${RUN_ID}`),
      command: ['python3', '-c', 'import os; print("hello", os.getuid())'],
      limits: lib.DEFAULT_LIMITS,
    });
    container.stdin.end();
    container.stderr.resume();
    expect((await readAll(container.stdout)).toString()).toBe('hello 65534\n');
    expect((await container.exited).code).toBe(0);
    await container.stop();
  });
});
