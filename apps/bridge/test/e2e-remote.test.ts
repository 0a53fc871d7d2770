import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REMOTE_DOCKER_HOST, REMOTE_ONLY_IMAGE, REMOTE_PODMAN_URL } from '@codexec/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  connectStdio,
  createFixture,
  distStatus,
  type Fixture,
  LONG,
  PODMAN_ROOTLESS,
  type StdioSession,
  shouldSkip,
  stdoutOf,
  structuredOf,
  TEST_IMAGE,
} from './harness.js';

// The bridge with its containers on an engine elsewhere, as scripts/provision-engines.sh sets them up on one machine:
// podman as a client of a second API service with storage of its own (CONTAINER_HOST; the image REMOTE_ONLY_IMAGE is
// only there, so a run that works went there), and docker talking to its daemon over loopback TCP.

const run = promisify(execFile);
const podmanAt = { CONTAINER_HOST: REMOTE_PODMAN_URL };

async function remoteStatus(): Promise<{ ok: boolean; reason: string }> {
  try {
    await run('podman', ['image', 'exists', REMOTE_ONLY_IMAGE], { env: { ...process.env, ...podmanAt } });
    await run('docker', ['image', 'inspect', TEST_IMAGE], {
      env: { ...process.env, DOCKER_HOST: REMOTE_DOCKER_HOST },
    });
    return { ok: true, reason: '' };
  } catch (error) {
    return {
      ok: false,
      reason: `the remote engines of scripts/provision-engines.sh (${REMOTE_PODMAN_URL}, ${REMOTE_DOCKER_HOST}) are not there: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

const skip = shouldSkip(distStatus(), await remoteStatus());
const where = (fixture: Fixture) => ['--home', fixture.home, '--cwd', fixture.project];

/** Names of the containers the engine at `env` holds with this label. */
async function remoteContainers(env: Record<string, string>, label: string): Promise<string[]> {
  const { stdout } = await run(
    'podman',
    ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'],
    {
      env: { ...process.env, ...env },
    },
  );
  return stdout.split('\n').filter(Boolean);
}

describe.skipIf(skip)('the bridge on a remote podman (CONTAINER_HOST)', { timeout: LONG }, () => {
  let fixture: Fixture;
  let session: StdioSession;
  const env = { ...podmanAt, MCP_BRIDGE_IMAGE: REMOTE_ONLY_IMAGE, MCP_BRIDGE_POOL_SIZE: '1' };

  beforeAll(async () => {
    fixture = await createFixture();
    session = await connectStdio(fixture, 'podman', { env });
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await fixture?.cleanup();
  }, LONG);

  it('runs code there, in an image only the remote holds, and keeps its containers there', async () => {
    // The image is not on this machine's podman: a run that works ran on the remote.
    await expect(run('podman', ['image', 'exists', REMOTE_ONLY_IMAGE])).rejects.toThrow();
    const result = await session.client.callTool(
      { name: 'run_python', arguments: { code: 'import sys\nprint("remote", sys.version_info[0])\n6 * 7' } },
      undefined,
      { timeout: LONG },
    );
    expect(structuredOf(result)).toMatchObject({ status: 'success', value: 42 });
    expect(stdoutOf(result)).toEqual(['remote 3']);
    const label = await session.instanceLabel();
    expect(await remoteContainers(podmanAt, label)).not.toEqual([]);
    expect(await remoteContainers({}, label)).toEqual([]);
    expect(session.stderr()).toContain(REMOTE_PODMAN_URL);
  });

  it('keeps a session there: state carries from run to run', async () => {
    const call = (code: string) =>
      session.client.callTool({ name: 'run_python', arguments: { code } }, undefined, { timeout: LONG });
    expect(structuredOf(await call('kept = 41'))).toMatchObject({ status: 'success' });
    expect(structuredOf(await call('kept + 1'))).toMatchObject({ status: 'success', value: 42 });
  });

  it('doctor names the remote, and says the frames take the engine’s stdio there', async () => {
    const { code, stdout } = await cli(fixture, ['doctor', ...where(fixture)], { env });
    expect(stdout).toContain(`at ${REMOTE_PODMAN_URL} (remote, from CONTAINER_HOST)`);
    expect(stdout).toMatch(/over the engine's stdio \(the engine is remote/);
    expect(stdout).toMatch(/hello-world run\s+printed hello/);
    expect(code).toBe(0);
  });

  it('leaves nothing on the remote when it shuts down', async () => {
    const label = await session.instanceLabel();
    await session.close();
    expect(await remoteContainers(podmanAt, label)).toEqual([]);
  });
});

describe.skipIf(skip)('the bridge on docker over TCP (MCP_BRIDGE_ENGINE_HOST)', { timeout: LONG }, () => {
  let fixture: Fixture;
  const env = { MCP_BRIDGE_ENGINE_HOST: REMOTE_DOCKER_HOST };

  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('runs code through the daemon at that address', async () => {
    const session = await connectStdio(fixture, 'docker', { env });
    try {
      const result = await session.client.callTool(
        { name: 'run_python', arguments: { code: 'print("over tcp")' } },
        undefined,
        { timeout: LONG },
      );
      expect(structuredOf(result)).toMatchObject({ status: 'success' });
      expect(stdoutOf(result)).toEqual(['over tcp']);
      expect(session.stderr()).toContain(REMOTE_DOCKER_HOST);
    } finally {
      await session.close();
    }
  });

  it('doctor names the address and where it came from', async () => {
    const { code, stdout } = await cli(fixture, ['doctor', ...where(fixture)], { env, engine: 'docker' });
    expect(stdout).toContain(`at ${REMOTE_DOCKER_HOST} (remote, from --host)`);
    expect(code).toBe(0);
  });
});

describe.skipIf(skip)('a remote engine that is down or refuses', { timeout: LONG }, () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture();
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('down: run_python says which endpoint did not answer, and the bridge lives on', async () => {
    const missing = 'unix:///run/codexec-remote/missing.sock';
    const session = await connectStdio(fixture, 'podman', {
      env: { CONTAINER_HOST: missing, MCP_BRIDGE_POOL_SIZE: '0' },
    });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await session.client.callTool(
          { name: 'run_python', arguments: { code: 'print(1)' } },
          undefined,
          { timeout: LONG },
        );
        const text = JSON.stringify(result);
        expect(text).toContain(`at ${missing} (CONTAINER_HOST)`);
        expect(text).toMatch(/is running and reachable from here/);
      }
    } finally {
      await session.close();
    }
  });

  it('down: doctor fails on the engine and names the address', async () => {
    const { code, stdout } = await cli(fixture, ['doctor', ...where(fixture)], {
      env: { MCP_BRIDGE_ENGINE_HOST: 'tcp://127.0.0.1:9' },
      engine: 'docker',
    });
    expect(code).not.toBe(0);
    expect(stdout).toContain('none answers (docker at tcp://127.0.0.1:9)');
    expect(stdout).toContain('tcp://127.0.0.1:9 (--host)');
  });

  it.skipIf(process.getuid?.() !== 0)(
    'unauthorised: a user who may not use the socket is told so, with the endpoint',
    async () => {
      // The service's socket is root's (mode 0600): the unprivileged user of the rootless tests is refused.
      const { code, stdout } = await cli(fixture, ['doctor', ...where(fixture)], {
        env: { MCP_BRIDGE_RUNTIME: PODMAN_ROOTLESS, MCP_BRIDGE_ENGINE_HOST: REMOTE_PODMAN_URL },
      });
      expect(code).not.toBe(0);
      expect(stdout).toContain(`${REMOTE_PODMAN_URL} (--url) refused this user`);
    },
  );
});
