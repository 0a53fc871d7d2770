import { mkdtemp, rm } from 'node:fs/promises';
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
// (@codexec/kube-stand-in, which runs each pod with the local podman), found through KUBECONFIG as a user's cluster
// would be.

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

  it('doctor names the cluster and runs hello-world in a pod', async () => {
    const { code, stdout } = await cli(
      fixture,
      ['doctor', '--home', fixture.home, '--cwd', fixture.project],
      {
        env,
      },
    );
    expect(stdout).toMatch(
      /container engine\s+kubernetes v1\.\d+.*pods run as non-root at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(stdout).toMatch(/hello-world run\s+printed hello/);
    expect(code).toBe(0);
  });

  it('deletes its pods when it shuts down', async () => {
    await session.close();
    await expect.poll(() => standIn.pods().length, { timeout: 30_000, interval: 250 }).toBe(0);
  });
});
