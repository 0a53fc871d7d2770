import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerRuntimeError, detectRuntime } from '../src/index.js';
import { hangingSocket, IN_CI, probeEngines, RUN_ID } from './engines.js';

const engines = await probeEngines();
const available = new Set(engines.filter((e) => !e.missing).map((e) => e.engine));
const both = available.has('podman') && available.has('docker');
if (!both && !IN_CI) {
  console.warn(
    `\n*** SKIPPING detection tests that need both engines (have: ${[...available].join(', ') || 'none'})\n`,
  );
}

async function failure(promise: Promise<unknown>): Promise<ContainerRuntimeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContainerRuntimeError);
  return error as ContainerRuntimeError;
}

const absent = (engine: 'podman' | 'docker') => ({ engine, command: `codexec-no-such-${engine}-${RUN_ID}` });

describe('detectRuntime: nothing installed', () => {
  it('gives RUNTIME_NOT_FOUND saying what to install', async () => {
    const error = await failure(detectRuntime({ candidates: [absent('podman'), absent('docker')] }));
    expect(error.code).toBe('RUNTIME_NOT_FOUND');
    expect(error.message).toMatch(
      /^No container runtime found: install podman or docker, or set the `runtime` to the path of one/,
    );
  });

  it('names the setting when the explicit choice is not there', async () => {
    const error = await failure(detectRuntime({ explicit: `/opt/codexec-no-such-${RUN_ID}/podman` }));
    expect(error.code).toBe('RUNTIME_NOT_FOUND');
    expect(error.message).toMatch(/the `runtime` setting asks for podman/);
  });

  it('rejects a choice it cannot read with INVALID_OPTIONS', async () => {
    const error = await failure(detectRuntime({ explicit: 'lxc' }));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.setting).toBe('runtime');
  });

  it('reads no environment variable of its own', async () => {
    const saved = process.env.MCP_BRIDGE_RUNTIME;
    process.env.MCP_BRIDGE_RUNTIME = 'lxc';
    try {
      const error = await failure(detectRuntime({ candidates: [absent('podman')] }));
      expect(error.code).toBe('RUNTIME_NOT_FOUND');
    } finally {
      if (saved === undefined) delete process.env.MCP_BRIDGE_RUNTIME;
      else process.env.MCP_BRIDGE_RUNTIME = saved;
    }
  });

  it('rejects an aborted signal with ABORTED', async () => {
    const error = await failure(detectRuntime({ signal: AbortSignal.abort() }));
    expect(error.code).toBe('ABORTED');
  });
});

describe.runIf(both || IN_CI)('detectRuntime against the real engines', () => {
  let socket: Awaited<ReturnType<typeof hangingSocket>>;
  beforeAll(async () => {
    socket = await hangingSocket();
  });
  afterAll(async () => {
    await socket.close();
  });

  it('picks podman first when both answer', async () => {
    const { runtime, info, source } = await detectRuntime();
    expect([runtime.engine, info.engine, source]).toEqual(['podman', 'podman', 'auto']);
  });

  it('follows the explicit choice', async () => {
    const { runtime, source } = await detectRuntime({ explicit: 'docker' });
    expect([runtime.engine, source]).toEqual(['docker', 'option']);
  });

  it('skips an engine that is not installed', async () => {
    const { runtime } = await detectRuntime({
      candidates: [absent('podman'), { engine: 'docker' }],
    });
    expect(runtime.engine).toBe('docker');
  });

  it('counts an engine only when it answers, not because its binary is there', async () => {
    const { runtime } = await detectRuntime({
      timeoutMs: 1500,
      candidates: [
        { engine: 'podman', options: { env: { CONTAINER_HOST: `unix://${socket.path}` } } },
        { engine: 'docker' },
      ],
    });
    expect(runtime.engine).toBe('docker');
  });

  it('gives ENGINE_NOT_RESPONDING with every engine’s message when none answers', async () => {
    const error = await failure(
      detectRuntime({
        timeoutMs: 1500,
        platform: 'linux',
        runtimeOptions: {
          env: {
            CONTAINER_HOST: `unix://${socket.path}`,
            DOCKER_HOST: `unix:///tmp/codexec-no-engine-${RUN_ID}.sock`,
          },
        },
      }),
    );
    expect(error.code).toBe('ENGINE_NOT_RESPONDING');
    expect(error.message).toMatch(/podman .*did not answer within 1\.5 s/);
    expect(error.message).toMatch(/docker .*did not answer:.*codexec-no-engine/s);
    // Each names the endpoint its variable chose, and says to check it rather than to start a local daemon.
    expect(error.message).toContain(`podman (podman info) at unix://${socket.path} (CONTAINER_HOST)`);
    expect(error.message).toMatch(
      /docker \(docker\) at unix:\/\/\/tmp\/codexec-no-engine-\w+\.sock \(DOCKER_HOST\)/,
    );
    expect(error.message).toMatch(
      /Check that the engine at .*DOCKER_HOST\) is running and reachable from here/,
    );
  });

  it('does not fall back when the choice is explicit', async () => {
    const error = await failure(
      detectRuntime({
        explicit: 'docker',
        runtimeOptions: { env: { DOCKER_HOST: `unix:///tmp/codexec-no-engine-${RUN_ID}.sock` } },
      }),
    );
    expect(error.code).toBe('ENGINE_NOT_RESPONDING');
    expect(error.engine).toBe('docker');
  });
});
