import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from './kube-client.js';

// The client's failures without a cluster: a server that refuses, and one that accepts and never answers.

let dir: string;
const servers: { close(): void }[] = [];

async function kubeconfigFor(server: string): Promise<string> {
  const path = join(dir, `config-${servers.length}-${Math.random().toString(16).slice(2)}`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'ns1' } }],
      'current-context': 'c',
    }),
  );
  return path;
}

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<number> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  return (server.address() as { port: number }).port;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'codexec-kube-client-'));
});

afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

const handlers = { onStdout() {}, onStderr() {}, onStatus() {}, onClose() {} };

describe('createKubeClient', () => {
  it('an attach to a server that refuses is ENGINE_NOT_RESPONDING naming it', async () => {
    const client = await createKubeClient({ kubeconfig: await kubeconfigFor('https://127.0.0.1:1') });
    const error = await client.attach('codexec-x', handlers, { timeoutMs: 5000 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ENGINE_NOT_RESPONDING', engine: 'kubernetes' });
    expect(error.message).toContain('https://127.0.0.1:1');
    expect(error.message).toContain('pods/attach');
  });

  it('a request the server never answers times out as ENGINE_NOT_RESPONDING after timeoutMs', async () => {
    const port = await silentServer();
    const client = await createKubeClient({ kubeconfig: await kubeconfigFor(`https://127.0.0.1:${port}`) });
    const t0 = Date.now();
    const error = await client.readPod('codexec-x', { timeoutMs: 300 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ENGINE_NOT_RESPONDING' });
    expect(error.message).toContain('0.3 s');
    expect(Date.now() - t0).toBeLessThan(3000);
    const attachError = await client.attach('codexec-x', handlers, { timeoutMs: 300 }).catch((e) => e);
    expect(attachError).toMatchObject({ code: 'ENGINE_NOT_RESPONDING' });
  });

  it('a caller’s abort is ABORTED, not a failure of the server', async () => {
    const port = await silentServer();
    const client = await createKubeClient({ kubeconfig: await kubeconfigFor(`https://127.0.0.1:${port}`) });
    const controller = new AbortController();
    const pending = client.listPods('a=b', { signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('a watch the server never answers times out as ENGINE_NOT_RESPONDING; an abort ends it at once', async () => {
    const port = await silentServer();
    const client = await createKubeClient({ kubeconfig: await kubeconfigFor(`https://127.0.0.1:${port}`) });
    const watch = { resourceVersion: '1', onEvent() {} };
    const t0 = Date.now();
    const error = await client.watchPod('codexec-x', { ...watch, timeoutMs: 300 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ENGINE_NOT_RESPONDING' });
    expect(error.message).toContain('watch pods');
    expect(Date.now() - t0).toBeLessThan(3000);
    const controller = new AbortController();
    const pending = client.watchPod('codexec-x', { ...watch, signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 50);
    const t1 = Date.now();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - t1).toBeLessThan(1000);
  });
});
