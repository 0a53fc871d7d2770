import { afterAll, describe, expect, it } from 'vitest';
import {
  type ContainerSpec,
  containerLabels,
  createKubernetesRuntime,
  DEFAULT_IMAGE,
  DEFAULT_LIMITS,
  type RunningContainer,
} from '../src/index.js';
import { IN_CI, RUN_ID, readAll } from './engines.js';

// The Kubernetes adapter against a real cluster: opt-in, since it creates pods wherever KUBECONFIG points.
// Run with: CODEXEC_KUBE_TESTS=1 KUBECONFIG=~/.kube/config [CODEXEC_KUBE_NAMESPACE=ns] \
//   [CODEXEC_KUBE_TEST_IMAGE=registry/image] pnpm vitest run packages/container-runtime/test/kubernetes-cluster.test.ts
// The namespace needs the Role of deploy/kubernetes/role.yaml for the user of the kubeconfig. With
// CODEXEC_KUBE_ENFORCES_POLICIES=1 (a network plugin that enforces NetworkPolicies: Calico, Cilium, …) a pod also
// tries to reach the network and must fail.

const wanted = process.env.CODEXEC_KUBE_TESTS === '1';
const kubeconfig = process.env.KUBECONFIG?.trim() || undefined;
const IMAGE = process.env.CODEXEC_KUBE_TEST_IMAGE?.trim() || DEFAULT_IMAGE;
const namespace = process.env.CODEXEC_KUBE_NAMESPACE?.trim() || undefined;
const skip = !wanted || !kubeconfig;
if (skip) {
  console.warn(
    `\n*** SKIPPING the Kubernetes tests against a real cluster${IN_CI ? ' (also under CI)' : ''}: ` +
      `${!wanted ? 'CODEXEC_KUBE_TESTS is not 1' : 'KUBECONFIG is not set'}.\n` +
      '*** To run them: CODEXEC_KUBE_TESTS=1 KUBECONFIG=<kubeconfig> (and CODEXEC_KUBE_TEST_IMAGE, ' +
      'CODEXEC_KUBE_NAMESPACE if needed).\n',
  );
}

const labels = { ...containerLabels(`kube-cluster-${RUN_ID}`) };
let counter = 0;

function spec(code: string): ContainerSpec {
  counter += 1;
  return {
    image: IMAGE,
    name: `codexec-c${RUN_ID}-${counter}`,
    labels,
    command: ['python3', '-u', '-c', code],
    limits: { ...DEFAULT_LIMITS },
  };
}

describe.skipIf(skip)('Kubernetes adapter against a real cluster', () => {
  // A cold node may have to pull the image first.
  const runtime = createKubernetesRuntime({ kubeconfig, namespace, startTimeoutMs: 300_000 });
  const started: RunningContainer[] = [];
  const spawn = (s: ContainerSpec): RunningContainer => {
    const container = runtime.spawn(s);
    started.push(container);
    return container;
  };

  afterAll(async () => {
    await Promise.all(started.map((c) => c.stop()));
    await runtime.reap(labels).catch(() => []);
  }, 120_000);

  it('answers info', async () => {
    const info = await runtime.info({ timeoutMs: 30_000 });
    expect(info.engine).toBe('kubernetes');
    expect(info.version).toMatch(/^v1\./);
    expect(info.address).toBe(runtime.endpoint.value);
  });

  it('runs hello world, with stdin, as the unprivileged user', async () => {
    const container = spawn(spec('import os, sys; print(sys.stdin.readline().strip(), os.getuid())'));
    container.stdin.write('hello\n');
    const [out, exit] = await Promise.all([readAll(container.stdout), container.exited]);
    expect(out.toString()).toBe(`hello ${DEFAULT_LIMITS.user.split(':')[0]}\n`);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 360_000);

  it('reports exit codes', async () => {
    const container = spawn(spec('import sys; sys.stdin.readline(); sys.exit(7)'));
    container.stdin.write('\n');
    expect((await container.exited).code).toBe(7);
  }, 360_000);

  it('stop() deletes a running pod and waits until it is gone', async () => {
    const s = spec("import time; print('up', flush=True); time.sleep(600)");
    const container = spawn(s);
    await new Promise((resolve) => container.stdout.once('data', resolve));
    await container.stop();
    expect((await container.exited).error).toBeUndefined();
    expect((await runtime.list(labels)).map((p) => p.name)).not.toContain(s.name);
  }, 360_000);

  it('list and reap find the pods by label', async () => {
    const s = spec('import time; time.sleep(600)');
    const container = spawn(s);
    let listed: string[] = [];
    for (let i = 0; i < 60 && !listed.includes(s.name); i++) {
      listed = (await runtime.list(labels)).map((p) => p.name);
      if (!listed.includes(s.name)) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(listed).toContain(s.name);
    expect(await runtime.reap(labels)).toContain(s.name);
    await container.exited;
  }, 360_000);

  it('diagnose finds every permission, and the sandbox pods cut off once a pod has run', async () => {
    const checks = await runtime.diagnose!({ timeoutMs: 30_000 });
    expect(checks.find((c) => c.name === 'permissions')).toMatchObject({ status: 'ok' });
    expect(checks.find((c) => c.name === 'network isolation')).toMatchObject({ status: 'ok' });
  }, 60_000);

  // Holds only where the cluster's network plugin enforces NetworkPolicies (kind's default plugin does not).
  it.skipIf(process.env.CODEXEC_KUBE_ENFORCES_POLICIES !== '1')(
    'a sandbox pod reaches neither the API server nor DNS (CODEXEC_KUBE_ENFORCES_POLICIES=1)',
    async () => {
      const container = spawn(
        spec(
          [
            'import socket, sys',
            'sys.stdin.readline()',
            'for target in [("kubernetes.default.svc", 443), ("10.96.0.1", 443), ("1.1.1.1", 53)]:',
            '    try:',
            '        socket.create_connection(target, timeout=3).close()',
            '        print("reached", target[0])',
            '    except OSError:',
            '        print("blocked", target[0])',
          ].join('\n'),
        ),
      );
      container.stdin.write('\n');
      const [out, exit] = await Promise.all([readAll(container.stdout), container.exited]);
      expect(out.toString()).not.toContain('reached');
      expect(exit.code).toBe(0);
    },
    360_000,
  );
});
