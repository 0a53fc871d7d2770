import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubernetesRuntime } from '@codexec/container-runtime';
import { startKubeStandIn } from '@codexec/kube-stand-in';
import { afterAll } from 'vitest';
import { type EngineStatus, engineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

// Every scenario through the Kubernetes adapter, one pod per container, against the stand-in of the API server
// (@codexec/kube-stand-in), which runs each pod with the local podman: podman and the test image must be there.
const NAMESPACE = 'codexec-sandbox-test';

async function kubernetesStatus(): Promise<{
  status: EngineStatus;
  url?: string;
  close(): Promise<void>;
}> {
  const podman = await engineStatus('podman');
  if (!podman.ok) {
    const reason = `the Kubernetes stand-in runs its pods with the local podman: ${podman.reason}`;
    return { status: { ok: false, runtime: createKubernetesRuntime(), reason }, close: async () => {} };
  }
  const standIn = await startKubeStandIn({ namespace: NAMESPACE });
  const dir = mkdtempSync(join(tmpdir(), 'codexec-sandbox-kube-'));
  const kubeconfig = join(dir, 'config');
  await standIn.writeKubeconfig(kubeconfig);
  const runtime = createKubernetesRuntime({ kubeconfig, namespace: NAMESPACE });
  return {
    status: await engineStatus('kubernetes', runtime),
    url: standIn.url,
    close: async () => {
      await standIn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const kubernetes = await kubernetesStatus();
afterAll(() => kubernetes.close(), 60_000);

defineSandboxSuite('kubernetes', kubernetes.status, {
  remote: true,
  address: kubernetes.url,
});
