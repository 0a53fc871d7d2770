import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeStandIn } from '@codexec/kube-stand-in';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  connectStdio,
  createFixture,
  distStatus,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  stdoutOf,
  structuredOf,
} from './harness.js';

// The bridge with MCP_BRIDGE_RUNTIME=kubernetes, a pod per container, against the stand-in of the API server
// (@codexec/kube-stand-in, which runs each pod with the local podman). The main session finds it through
// KUBECONFIG as a user's cluster would be; doctor is pointed at it by the bridge's own settings.

const NAMESPACE = 'codexec-bridge-test';
const skip = shouldSkip(distStatus(), await engineStatus('podman'));

describe.skipIf(skip)('the bridge on Kubernetes (the API server stand-in)', { timeout: LONG }, () => {
  let fixture: Fixture;
  let standIn: Awaited<ReturnType<typeof startKubeStandIn>>;
  let dir: string;
  let env: Record<string, string>;
  let session: StdioSession;

  beforeAll(async () => {
    fixture = await createFixture();
    standIn = await startKubeStandIn({ namespace: NAMESPACE });
    dir = await mkdtemp(join(tmpdir(), 'codexec-bridge-kube-'));
    const kubeconfig = join(dir, 'config');
    await standIn.writeKubeconfig(kubeconfig);
    env = { MCP_BRIDGE_RUNTIME: 'kubernetes', KUBECONFIG: kubeconfig, MCP_BRIDGE_POOL_SIZE: '1' };
    session = await connectStdio(fixture, 'podman', { env });
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await standIn?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await fixture?.cleanup();
  }, LONG);

  const call = (code: string) =>
    session.client.callTool({ name: 'run_python', arguments: { code } }, undefined, { timeout: LONG });

  it('runs code in a pod, and keeps a session’s state from run to run', async () => {
    const first = await call('import os\nprint("in a pod as", os.getuid())\nkept = 41');
    expect(structuredOf(first)).toMatchObject({ status: 'success' });
    expect(stdoutOf(first)).toEqual(['in a pod as 65534']);
    expect(structuredOf(await call('kept + 1'))).toMatchObject({ status: 'success', value: 42 });
    expect(standIn.pods().length).toBeGreaterThan(0);
  });

  it('creates the NetworkPolicy that cuts its pods off before the first one', () => {
    expect(standIn.networkPolicies().map((p) => p.metadata?.name)).toEqual(['codexec-sandbox-deny-all']);
  });

  it('doctor names the cluster, checks permissions and isolation, and runs hello-world in a pod', async () => {
    // The context's namespace is one the token may not use: the setting must win over it.
    const kubeconfig = join(dir, 'elsewhere');
    const config = structuredClone(standIn.kubeconfig) as {
      contexts: { context: { namespace?: string } }[];
    };
    config.contexts[0]!.context.namespace = 'elsewhere';
    await writeFile(kubeconfig, JSON.stringify(config));
    const { code, stdout } = await cli(
      fixture,
      ['doctor', '--home', fixture.home, '--cwd', fixture.project],
      {
        env: {
          MCP_BRIDGE_RUNTIME: 'kubernetes',
          MCP_BRIDGE_KUBECONFIG: kubeconfig,
          MCP_BRIDGE_KUBE_NAMESPACE: NAMESPACE,
          MCP_BRIDGE_KUBE_PULL_POLICY: 'Never',
          MCP_BRIDGE_KUBE_NETWORK_POLICY: 'require',
        },
      },
    );
    expect(stdout).toMatch(
      /container engine\s+kubernetes v1\.\d+.*pods run as non-root at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(stdout).toMatch(new RegExp(`permissions\\s+all 8 the bridge uses, in namespace ${NAMESPACE}`));
    expect(stdout).toMatch(/network isolation\s+sandbox pods cut off both ways/);
    expect(stdout).toMatch(/hello-world run\s+printed hello/);
    expect(code).toBe(0);
  });

  it('doctor fails, naming what is missing, for a user without the Role', async () => {
    const limited = await startKubeStandIn({
      namespace: NAMESPACE,
      grants: [{ resource: 'pods', verbs: ['get', 'list'] }],
    });
    try {
      const kubeconfig = join(dir, 'limited');
      await limited.writeKubeconfig(kubeconfig);
      const { code, stdout } = await cli(
        fixture,
        ['doctor', '--home', fixture.home, '--cwd', fixture.project],
        { env: { MCP_BRIDGE_RUNTIME: 'kubernetes', KUBECONFIG: kubeconfig } },
      );
      expect(stdout).toMatch(
        /permissions\s+missing in namespace codexec-bridge-test: create pods \(to start/,
      );
      expect(stdout).toContain('deploy/kubernetes/role.yaml');
      expect(stdout).toMatch(
        /network isolation\s+cannot be checked: this user may not list networkpolicies \(see permissions\)/,
      );
      expect(stdout).toMatch(/hello-world run/);
      expect(code).toBe(1);
      expect(limited.pods()).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it('refuses a Kubernetes setting with another runtime, naming both', async () => {
    const { code, stderr } = await cli(fixture, ['doctor'], {
      env: { MCP_BRIDGE_RUNTIME: 'podman', MCP_BRIDGE_KUBE_NAMESPACE: NAMESPACE },
    });
    expect(stderr).toContain(
      'MCP_BRIDGE_KUBE_NAMESPACE applies to Kubernetes only, and MCP_BRIDGE_RUNTIME is podman',
    );
    expect(code).not.toBe(0);
  });

  it('deletes its pods when it shuts down', async () => {
    await session.close();
    await expect.poll(() => standIn.pods().length, { timeout: 30_000, interval: 250 }).toBe(0);
  });
});
