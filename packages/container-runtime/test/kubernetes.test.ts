import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeStandIn, startKubeStandIn } from '@codexec/kube-stand-in';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContainerRuntime,
  type ContainerSpec,
  containerLabels,
  createKubernetesRuntime,
  createPodmanRuntime,
  DEFAULT_LIMITS,
  isContainerRuntimeError,
  type KubernetesRuntimeOptions,
  type RunningContainer,
} from '../src/index.js';
import { firstLine, probeEngines, RUN_ID, readAll, requireEngine, TEST_IMAGE } from './engines.js';

// The Kubernetes adapter end to end, against the stand-in of the API server (@codexec/kube-stand-in), which speaks
// the part of the API the adapter uses and runs each pod as a local podman container. A real cluster is in
// kubernetes-cluster.test.ts.

// The stand-in runs each pod with the local podman: without it (or the test image) the suite is skipped off CI and
// fails under CI.
const [podman] = await probeEngines([createPodmanRuntime()]);

const NAMESPACE = 'codexec-test';
const TOKEN = `token-${RUN_ID}`;
const labels = { ...containerLabels(`kube-${RUN_ID}`) };
let counter = 0;

function spec(command: string[], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  counter += 1;
  return {
    image: TEST_IMAGE,
    name: `codexec-k${RUN_ID}-${counter}`,
    labels,
    command,
    limits: { ...DEFAULT_LIMITS },
    ...overrides,
  };
}

const python = (code: string): string[] => ['python3', '-u', '-c', code];

describe('Kubernetes adapter against the stand-in API server', () => {
  requireEngine(podman!);
  if (podman!.missing) return;
  let standIn: KubeStandIn;
  let dir: string;
  let kubeconfig: string;
  let runtime: ContainerRuntime;
  const started: RunningContainer[] = [];

  const create = (options: KubernetesRuntimeOptions = {}): ContainerRuntime =>
    // `Never`: the stand-in runs the image local podman has, and a missing one must say so at once.
    createKubernetesRuntime({ kubeconfig, imagePullPolicy: 'Never', startTimeoutMs: 60_000, ...options });

  const spawn = (s: ContainerSpec, rt = runtime): RunningContainer => {
    const container = rt.spawn(s);
    started.push(container);
    return container;
  };

  beforeAll(async () => {
    standIn = await startKubeStandIn({ namespace: NAMESPACE, token: TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'codexec-kube-e2e-'));
    kubeconfig = join(dir, 'config');
    await standIn.writeKubeconfig(kubeconfig);
    runtime = create();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((c) => c.stop()));
    await runtime?.reap(labels).catch(() => []);
    await standIn?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('info says what the server is, where it is, and that the namespace may be used', async () => {
    const info = await runtime.info();
    expect(info).toMatchObject({
      engine: 'kubernetes',
      command: standIn.url,
      version: 'v1.31.0-codexec-stand-in',
      rootless: false,
      ociRuntimes: [],
      remote: true,
      address: standIn.url,
    });
    expect(runtime.endpoint).toMatchObject({ kind: 'address', value: standIn.url, remote: true });
  });

  it('runs hello world: stdout, stderr and exit code 0', async () => {
    // The program waits for its stdin to end, as the sandbox's runtime waits for its code: an attach joins a
    // running container, so what a program writes after it ended and before any attach (the adapter reads no logs)
    // would never arrive, on a real cluster as on the stand-in.
    const container = spawn(
      spec(python("import sys; sys.stdin.read(); print('hello'); print('oops', file=sys.stderr)")),
    );
    container.stdin.end();
    const [out, err, exit] = await Promise.all([
      readAll(container.stdout),
      readAll(container.stderr),
      container.exited,
    ]);
    expect(out.toString()).toBe('hello\n');
    expect(err.toString()).toBe('oops\n');
    expect(exit).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('delivers stdin written before the attach, and reports a non-zero exit code', async () => {
    const container = spawn(
      spec(python('import sys; line = sys.stdin.readline(); print(line.strip().upper()); sys.exit(3)')),
    );
    // Written at once, long before the pod runs: kept and sent once the attach is open.
    container.stdin.write('from before the attach\n');
    const [out, exit] = await Promise.all([readAll(container.stdout), container.exited]);
    expect(out.toString()).toBe('FROM BEFORE THE ATTACH\n');
    expect(exit).toEqual({ code: 3, signal: null });
  }, 60_000);

  it('passes binary bytes both ways unchanged, and ends stdin when the host ends it', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const container = spawn(
      spec(python('import sys; data = sys.stdin.buffer.read(); sys.stdout.buffer.write(data[::-1])')),
    );
    container.stdin.end(bytes);
    const [out, exit] = await Promise.all([readAll(container.stdout), container.exited]);
    expect(out.equals(Buffer.from(bytes).reverse())).toBe(true);
    expect(exit.code).toBe(0);
  }, 60_000);

  it('a missing image ends with IMAGE_MISSING naming it, and the pod is deleted', async () => {
    const image = 'localhost/codexec-no-such-image:none';
    const s = spec(python('print(1)'), { image });
    const container = spawn(s);
    const exit = await container.exited;
    expect(exit.error?.code).toBe('IMAGE_MISSING');
    expect(exit.error?.message).toContain(image);
    expect(exit.error?.message).toContain(standIn.url);
    expect((await runtime.list(labels)).map((p) => p.name)).not.toContain(s.name);
  }, 60_000);

  it('stop() kills a running pod, is idempotent, and leaves nothing behind', async () => {
    const s = spec(python("import time; print('up', flush=True); time.sleep(120)"));
    const container = spawn(s);
    expect(await firstLine(container.stdout)).toBe('up\n');
    expect(container.clientRunning()).toBe(true);
    const listed = await runtime.list(labels);
    expect(listed.find((p) => p.name === s.name)).toMatchObject({ state: 'running', image: TEST_IMAGE });
    const t0 = Date.now();
    await Promise.all([container.stop(), container.stop()]);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const exit = await container.exited;
    expect(exit.error).toBeUndefined();
    expect(container.clientRunning()).toBe(false);
    expect((await runtime.list(labels)).map((p) => p.name)).not.toContain(s.name);
    await container.stop();
  }, 60_000);

  it('stop() right after spawn leaves no pod, whether or not it was created', async () => {
    const s = spec(python('import time; time.sleep(120)'));
    const container = spawn(s);
    await container.stop();
    expect(await container.exited).toMatchObject({ code: null });
    expect((await runtime.list(labels)).map((p) => p.name)).not.toContain(s.name);
  }, 60_000);

  it('list and reap find pods by label; reap deletes only those', async () => {
    const other = { ...containerLabels(`kube-other-${RUN_ID}`) };
    const mine = spawn(spec(python('import time; time.sleep(120)')));
    const theirs = spawn(spec(python('import time; time.sleep(120)'), { labels: other }));
    // Both are attached, their programs running; the poll stops as soon as they are. (A pod deleted before the
    // adapter saw it run fails to start instead.)
    for (let i = 0; i < 300 && !(mine.clientRunning() && theirs.clientRunning()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(mine.clientRunning() && theirs.clientRunning()).toBe(true);
    const reaped = await runtime.reap(other);
    expect(reaped).toEqual([theirs.name]);
    // Deleted by someone else, the pod was killed (as the sandbox reads a kill): no error of its own.
    const killed = await theirs.exited;
    expect(killed.error).toBeUndefined();
    expect(killed.code === 137 || killed.signal === 'SIGKILL').toBe(true);
    expect((await runtime.list(labels)).map((p) => p.name)).toContain(mine.name);
    await mine.stop();
    await expect(runtime.reap({})).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  }, 60_000);

  it('remove of a pod that is not there succeeds', async () => {
    await expect(runtime.remove(`codexec-k${RUN_ID}-none`)).resolves.toBeUndefined();
  });

  it('a wrong token is COMMAND_FAILED naming the server and what to renew', async () => {
    const wrong = join(dir, 'wrong-token');
    await standIn.writeKubeconfig(wrong);
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(wrong, readFileSync(wrong, 'utf8').replaceAll(standIn.token, 'not-the-token'));
    const error = await create({ kubeconfig: wrong })
      .info()
      .catch((e: unknown) => e);
    expect(isContainerRuntimeError(error, 'COMMAND_FAILED')).toBe(true);
    expect((error as Error).message).toContain(standIn.url);
    expect((error as Error).message).toContain('401');
  });

  it('a namespace the token may not use is COMMAND_FAILED naming the RBAC it needs', async () => {
    const error = await create({ namespace: 'kube-system' })
      .info()
      .catch((e: unknown) => e);
    expect(isContainerRuntimeError(error, 'COMMAND_FAILED')).toBe(true);
    expect((error as Error).message).toContain('namespace kube-system');
    expect((error as Error).message).toContain('pods/attach');
  });
});
