import { REMOTE_DOCKER_HOST, REMOTE_ONLY_IMAGE, REMOTE_PODMAN_URL } from '@codexec/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ContainerRuntime,
  containerLabels,
  containerName,
  createDockerRuntime,
  createPodmanRuntime,
  DEFAULT_LIMITS,
  detectRuntime,
  type EngineName,
  isContainerRuntimeError,
} from '../src/index.js';
import { IN_CI, RUN_ID, readAll, TEST_IMAGE } from './engines.js';

// The remote engines scripts/provision-engines.sh sets up on this machine: podman as a client of a second API
// service with storage of its own (it alone holds REMOTE_ONLY_IMAGE), and docker's CLI talking to its daemon over
// loopback TCP. What a remote engine changes for the adapter: where the CLI goes, what `info` says, descriptor
// passing, and the errors of an endpoint that is down or refuses.

interface Remote {
  engine: EngineName;
  address: string;
  runtime: ContainerRuntime;
  /** An image only this endpoint holds, when there is one. */
  image: string;
  missing?: string | undefined;
}

async function probe(engine: EngineName): Promise<Remote> {
  const address = engine === 'podman' ? REMOTE_PODMAN_URL : REMOTE_DOCKER_HOST;
  const runtime =
    engine === 'podman'
      ? createPodmanRuntime({ env: { CONTAINER_HOST: address } })
      : createDockerRuntime({ globalArgs: ['--host', address] });
  const image = engine === 'podman' ? REMOTE_ONLY_IMAGE : TEST_IMAGE;
  try {
    await runtime.info({ timeoutMs: 20_000 });
    if (!(await runtime.imageExists(image)))
      return { engine, address, runtime, image, missing: `no ${image}` };
    return { engine, address, runtime, image };
  } catch (error) {
    return { engine, address, runtime, image, missing: (error as Error).message.split('\n')[0] };
  }
}

const remotes = await Promise.all([probe('podman'), probe('docker')]);
let counter = 0;

describe.each(remotes)('remote $engine at $address', (remote) => {
  const { engine, address, runtime, image } = remote;
  const labels = containerLabels(`test-remote-${RUN_ID}`);
  if (remote.missing && !IN_CI) {
    console.warn(`\n*** SKIPPING remote ${engine} tests: ${remote.missing} (scripts/provision-engines.sh)\n`);
  }
  const test = it.runIf(IN_CI || !remote.missing);

  afterAll(async () => {
    if (!remote.missing) await runtime.reap(labels);
  });

  test('is there (CI must test it)', () => {
    expect(remote.missing, `remote ${engine} is required under CI=true`).toBeUndefined();
  });

  test('says where it is, from the settings and from the engine, and passes no descriptor', async () => {
    expect(runtime.endpoint).toMatchObject({ kind: 'address', value: address, remote: true });
    expect(runtime.passesDescriptors).toBe(false);
    const info = await runtime.info();
    expect(info).toMatchObject({ engine, remote: true, address });
  });

  test('detection reports the same endpoint', async () => {
    const found = await detectRuntime({
      explicit: engine,
      candidates: [
        engine === 'podman'
          ? { engine, options: { globalArgs: ['--url', address] } }
          : { engine, options: { env: { DOCKER_HOST: address } } },
      ],
    });
    expect(found.info.remote).toBe(true);
    expect(found.runtime.endpoint.value).toBe(address);
  });

  test('an image the remote does not hold is IMAGE_MISSING, said of the remote', {
    timeout: 60_000,
  }, async () => {
    const container = runtime.spawn({
      image: 'localhost/codexec-no-such-image:0',
      name: containerName(`${RUN_ID}-remote-${engine}-${++counter}`),
      labels,
      command: ['python3', '-c', 'pass'],
      limits: { ...DEFAULT_LIMITS },
    });
    container.stdout.resume();
    container.stderr.resume();
    const exit = await container.exited;
    expect(exit.error?.code).toBe('IMAGE_MISSING');
    expect(exit.error?.message).toContain(`is not in the engine at ${address}`);
  });

  test('runs a hardened container there, lists and reaps it', { timeout: 120_000 }, async () => {
    counter += 1;
    const name = containerName(`${RUN_ID}-remote-${engine}-${counter}`);
    const container = runtime.spawn({
      image,
      name,
      labels,
      command: ['python3', '-c', 'import os, sys; print(os.getuid(), sys.stdin.read().strip())'],
      limits: { ...DEFAULT_LIMITS },
    });
    container.stdin.end('from the host');
    const [stdout, exit] = await Promise.all([readAll(container.stdout), container.exited]);
    expect(exit).toMatchObject({ code: 0 });
    expect(stdout.toString()).toBe('65534 from the host\n');

    const waiting = runtime.spawn({
      image,
      name: containerName(`${RUN_ID}-remote-${engine}-${++counter}`),
      labels,
      command: ['python3', '-c', 'import time; time.sleep(60)'],
      limits: { ...DEFAULT_LIMITS },
    });
    waiting.stdout.resume();
    waiting.stderr.resume();
    await expect
      .poll(async () => (await runtime.list(labels)).length, { timeout: 60_000, interval: 250 })
      .toBe(1);
    expect(await runtime.reap(labels)).toEqual([waiting.name]);
    await waiting.exited;
    expect(await runtime.list(labels)).toEqual([]);
  });
});

describe('the second podman service', () => {
  const remote = remotes[0]!;
  it.runIf(IN_CI || !remote.missing)('holds what the local engine does not (its own storage)', async () => {
    expect(await remote.runtime.imageExists(REMOTE_ONLY_IMAGE)).toBe(true);
    expect(await createPodmanRuntime().imageExists(REMOTE_ONLY_IMAGE)).toBe(false);
  });
});

describe('a remote endpoint that is down or refuses', () => {
  it('down, podman: ENGINE_NOT_RESPONDING naming the socket and what chose it', async () => {
    const missing = 'unix:///run/codexec-remote/missing.sock';
    const runtime = createPodmanRuntime({ env: { CONTAINER_HOST: missing } });
    expect(runtime.passesDescriptors).toBe(false);
    const error = await runtime.info().catch((caught: unknown) => caught);
    expect(isContainerRuntimeError(error, 'ENGINE_NOT_RESPONDING')).toBe(true);
    expect((error as Error).message).toContain(`at ${missing} (CONTAINER_HOST) did not answer`);
    expect((error as Error).message).toContain('is running and reachable from here');
  });

  it('down, docker over TCP: the same, for list and image checks too', async () => {
    const runtime = createDockerRuntime({ globalArgs: ['--host', 'tcp://127.0.0.1:9'] });
    for (const attempt of [
      () => runtime.info(),
      () => runtime.list({}),
      () => runtime.imageExists(TEST_IMAGE),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(isContainerRuntimeError(error, 'ENGINE_NOT_RESPONDING'), String(error)).toBe(true);
      expect((error as Error).message).toContain('tcp://127.0.0.1:9 (--host)');
    }
  });

  it.runIf(process.getuid?.() === 0 && !remotes[0]!.missing)(
    'refused: a user who may not use the socket is told so',
    async () => {
      // The service's socket is root's (mode 0600); the unprivileged user of the rootless tests is refused.
      const rootless = new URL('../../../scripts/podman-rootless', import.meta.url).pathname;
      const runtime = createPodmanRuntime({ command: rootless, globalArgs: ['--url', REMOTE_PODMAN_URL] });
      const error = await runtime.info().catch((caught: unknown) => caught);
      expect(isContainerRuntimeError(error, 'ENGINE_NOT_RESPONDING'), String(error)).toBe(true);
      expect((error as Error).message).toContain(`${REMOTE_PODMAN_URL} (--url) refused this user`);
    },
  );
});
