import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectStdio,
  containersWithLabel,
  createFixture,
  distStatus,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  stdoutOf,
  structuredOf,
  until,
} from './harness.js';

// A smaller set on Docker Engine: the bridge never branches on the engine, so this checks the wiring, a tool call
// from a container, and that a timed-out and a cancelled run leave no container behind.

const skip = shouldSkip(distStatus(), await engineStatus('docker'));

describe.skipIf(skip)('the bridge over stdio, on docker', { timeout: LONG }, () => {
  let fixture: Fixture;
  let session: StdioSession;

  beforeAll(async () => {
    fixture = await createFixture();
    session = await connectStdio(fixture, 'docker', {
      env: { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_SESSION: 'fresh' },
    });
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await fixture?.cleanup();
  }, LONG);

  const call = (args: Record<string, unknown>, signal?: AbortSignal) =>
    session.client.callTool({ name: 'run_python', arguments: args }, undefined, {
      timeout: LONG,
      ...(signal ? { signal } : {}),
    });

  it('runs code that calls an upstream tool', async () => {
    const result = await call({
      code: 'import os\nr = await mcp_test.add(a=2, b=3)\nprint(r["sum"], os.getuid())',
      servers: ['test'],
    });
    expect(structuredOf(result)).toMatchObject({ status: 'success', calls: 1 });
    expect(stdoutOf(result)).toEqual(['5 65534']);
  });

  it('removes the container of a run that timed out', async () => {
    const label = await session.instanceLabel();
    const result = await call({ code: 'import time\ntime.sleep(60)', timeout: 2 });
    expect(structuredOf(result)).toMatchObject({ status: 'timeout' });
    // The result is sent first; the container is removed right after.
    await until('the container to be removed', async () =>
      (await containersWithLabel('docker', label)).length === 0 ? true : undefined,
    );
  });

  it('removes the container of a cancelled run', async () => {
    const label = await session.instanceLabel();
    const controller = new AbortController();
    const pending = call({ code: 'import time\ntime.sleep(100)' }, controller.signal);
    pending.catch(() => {});
    const deadline = Date.now() + 120_000;
    while ((await containersWithLabel('docker', label)).length === 0) {
      if (Date.now() > deadline) throw new Error('the run never started a container');
      await new Promise((r) => setTimeout(r, 200));
    }
    controller.abort('cancelled by the test');
    await expect(pending).rejects.toThrow();
    const gone = Date.now() + 60_000;
    while ((await containersWithLabel('docker', label)).length > 0) {
      if (Date.now() > gone) throw new Error('the container of the cancelled run is still there');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
