import { createDockerRuntime, createPodmanRuntime } from '@codexec/container-runtime';
import { describe, expect, it } from 'vitest';
import { createSandbox, SandboxError } from '../src/index.js';

describe('without a container engine', () => {
  it.each([
    ['podman', createPodmanRuntime({ command: '/nonexistent/bin/podman' })],
    ['docker', createDockerRuntime({ command: '/nonexistent/bin/docker' })],
  ])('%s missing: the run ends with a clear error and nothing crashes', async (_engine, runtime) => {
    const sandbox = createSandbox({ runtime, image: 'localhost/codexec-python:bookworm' });
    const result = await sandbox.run({ code: "print('never runs')" });
    expect(result.status).toBe('error');
    expect(result.error?.type).toBe('SandboxError');
    expect(result.error?.message).toMatch(/install podman or docker|MCP_BRIDGE_RUNTIME/i);
    expect(result.stdout).toBe('');
    await sandbox.close();
  });
});

describe('without a container engine, with the warm pool on', () => {
  it('runs still end with the clear engine error, the pool backs off, and close() is quick', async () => {
    const sandbox = createSandbox({
      runtime: createPodmanRuntime({ command: '/nonexistent/bin/podman' }),
      image: 'localhost/codexec-python:bookworm',
      pool: { size: 2 },
    });
    const first = await sandbox.run({ code: "print('never runs')" });
    const second = await sandbox.run({ code: "print('never runs')" });
    for (const result of [first, second]) {
      expect(result.status).toBe('error');
      expect(result.error?.message).toMatch(/install podman or docker|MCP_BRIDGE_RUNTIME/i);
    }
    const status = sandbox.poolStatus();
    expect(status.failedStarts).toBeGreaterThanOrEqual(1);
    expect(status.backoffMs).toBeGreaterThan(0);
    expect(status).toMatchObject({ idle: 0, served: 0, cold: 2 });
    await sandbox.close();
    expect(sandbox.poolStatus().containers).toEqual([]);
  });
});

describe('createSandbox and run reject what cannot work', () => {
  const runtime = createPodmanRuntime({ command: '/nonexistent/bin/podman' });

  it('without a runtime', () => {
    expect(() => createSandbox({ image: 'x' } as never)).toThrow(SandboxError);
  });

  it('with invalid limits or sizes, naming the setting', () => {
    expect(() => createSandbox({ runtime, image: 'img', limits: { memory: 'lots' } })).toThrow(/memory/);
    expect(() => createSandbox({ runtime, image: 'img', maxOutputBytes: -1 })).toThrow(/maxOutputBytes/);
    expect(() => createSandbox({ runtime, image: 'bad image name' })).toThrow(/image/);
    expect(() => createSandbox({ runtime, image: 'img', pool: { size: 99 } })).toThrow(/pool\.size/);
  });

  it('run without code, and run after close', async () => {
    const sandbox = createSandbox({ runtime, image: 'img' });
    await expect(sandbox.run({} as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(sandbox.run({ code: '1', timeoutMs: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await sandbox.close();
    await expect(sandbox.run({ code: '1' })).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('an already aborted signal ends as cancelled without starting anything', async () => {
    const sandbox = createSandbox({ runtime, image: 'img' });
    const result = await sandbox.run({ code: '1', signal: AbortSignal.abort() });
    expect(result.status).toBe('cancelled');
    await sandbox.close();
  });
});
