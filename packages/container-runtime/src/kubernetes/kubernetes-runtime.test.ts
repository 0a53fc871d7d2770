import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerRuntimeError } from '../errors.js';
import { containerLabels } from '../hardened-args.js';
import type { ContainerSpec } from '../runtime.js';
import { DEFAULT_LIMITS } from '../settings.js';
import { createKubernetesRuntime } from './kubernetes-runtime.js';

// These tests need no cluster: they check what the adapter decides before and without an answering API server.
// The end-to-end tests are in test/kubernetes.test.ts (stand-in API server) and test/kubernetes-cluster.test.ts.

let dir: string;
let kubeconfig: string;
let server: string;

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: 'localhost/codexec-python:bookworm',
    name: 'codexec-unit1',
    labels: containerLabels('unit'),
    command: ['python3', '-c', 'print(1)'],
    limits: { ...DEFAULT_LIMITS },
    ...overrides,
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'codexec-kube-unit-'));
  server = `https://127.0.0.1:${await closedPort()}`;
  kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'down', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'down', context: { cluster: 'down', user: 'u', namespace: 'sandboxes' } },
        { name: 'plain', context: { cluster: 'down', user: 'u' } },
      ],
      'current-context': 'down',
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): ContainerRuntimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContainerRuntimeError) return error;
    throw error;
  }
  throw new Error('expected a ContainerRuntimeError');
}

describe('createKubernetesRuntime without a cluster', () => {
  it('refuses, synchronously, a spec no pod can carry', () => {
    const runtime = createKubernetesRuntime({ kubeconfig });
    expect(thrown(() => runtime.spawn(spec({ channel: true }))).setting).toBe('spec.channel');
    expect(thrown(() => runtime.spawn(spec({ name: 'Not_A_Pod_Name' }))).setting).toBe('spec.name');
    expect(runtime.passesDescriptors).toBe(false);
  });

  it('leaves images to the nodes', async () => {
    const runtime = createKubernetesRuntime({ kubeconfig });
    await expect(runtime.imageExists('nowhere/none:1')).resolves.toBe(true);
    const progress: string[] = [];
    await runtime.pullImage('nowhere/none:1', { onProgress: (p) => progress.push(p.message) });
    expect(progress.join('\n')).toContain('imagePullPolicy');
  });

  it('reaps only with a label', async () => {
    await expect(createKubernetesRuntime({ kubeconfig }).reap({})).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });

  it('a kubeconfig that is not there is INVALID_OPTIONS naming it', async () => {
    const missing = join(dir, 'missing');
    await expect(createKubernetesRuntime({ kubeconfig: missing }).info()).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      setting: 'kubeconfig',
      value: missing,
    });
  });

  it('an unknown context is INVALID_OPTIONS listing those there are', async () => {
    const error = await createKubernetesRuntime({ kubeconfig, context: 'prod' })
      .info()
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', setting: 'context' });
    expect(error.message).toContain('down, plain');
  });

  it('a server that does not answer is ENGINE_NOT_RESPONDING naming it and the namespace', async () => {
    const runtime = createKubernetesRuntime({ kubeconfig });
    const error = await runtime.info({ timeoutMs: 5000 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ENGINE_NOT_RESPONDING', engine: 'kubernetes' });
    expect(error.message).toContain(server);
    expect(error.message).toContain('namespace sandboxes');
    // Once the kubeconfig was read, the runtime says where it sends its requests.
    expect(runtime.endpoint).toEqual({
      kind: 'address',
      value: server,
      source: 'kubeconfig context down',
      remote: true,
    });
    expect(runtime.command).toBe(server);
  });

  it('a plain http server without insecure-skip-tls-verify is INVALID_OPTIONS saying what to set', async () => {
    const plain = join(dir, 'plain-http');
    writeFileSync(
      plain,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'h', cluster: { server: 'http://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'h', context: { cluster: 'h', user: 'u' } }],
        'current-context': 'h',
      }),
    );
    const error = await createKubernetesRuntime({ kubeconfig: plain })
      .info()
      .catch((e) => e);
    expect(error).toMatchObject({
      code: 'INVALID_OPTIONS',
      setting: 'kubeconfig',
      value: 'http://127.0.0.1:1',
    });
    expect(error.message).toContain('insecure-skip-tls-verify');
  });

  it('the namespace is the option, else the context’s, else default', async () => {
    for (const [options, namespace] of [
      [{ namespace: 'mine' }, 'mine'],
      [{}, 'sandboxes'],
      [{ context: 'plain' }, 'default'],
    ] as const) {
      const error = await createKubernetesRuntime({ kubeconfig, ...options })
        .list({ a: 'b' }, { timeoutMs: 5000 })
        .catch((e) => e);
      expect(error.message).toContain(`namespace ${namespace}`);
    }
  });

  it('a spawn the server never answers ends with the error in exited, and stop() still resolves', async () => {
    const runtime = createKubernetesRuntime({ kubeconfig, commandTimeoutMs: 5000 });
    const container = runtime.spawn(spec());
    const exit = await container.exited;
    expect(exit.error?.code).toBe('ENGINE_NOT_RESPONDING');
    expect(container.clientRunning()).toBe(false);
    await container.stop();
  });

  it('stop() right after spawn never creates the pod and ends without an error', async () => {
    const runtime = createKubernetesRuntime({ kubeconfig, commandTimeoutMs: 5000 });
    const container = runtime.spawn(spec({ name: 'codexec-unit2' }));
    await container.stop();
    await container.stop();
    await expect(container.exited).resolves.toEqual({ code: null, signal: null });
  });

  it('an aborted spawn signal stops it', async () => {
    const runtime = createKubernetesRuntime({ kubeconfig, commandTimeoutMs: 5000 });
    const controller = new AbortController();
    const container = runtime.spawn(spec({ name: 'codexec-unit3' }), { signal: controller.signal });
    controller.abort();
    await expect(container.exited).resolves.toEqual({ code: null, signal: null });
  });
});
