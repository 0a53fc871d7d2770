import { fileURLToPath } from 'node:url';
import {
  type ContainerRuntime,
  createDockerRuntime,
  createKubernetesRuntime,
  createPodmanRuntime,
} from '@codexec/container-runtime';
import { ON_CI, REMOTE_DOCKER_HOST, REMOTE_PODMAN_URL, warnSkipped } from '@codexec/test-support';
import { beforeEach, describe } from 'vitest';
import type { Sandbox } from '../src/index.js';

export const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
export { ON_CI } from '@codexec/test-support';

export type EngineStatus =
  | { ok: true; runtime: ContainerRuntime }
  /** `optIn`: a suite nobody asked for (a real cluster), skipped even under CI. */
  | { ok: false; runtime: ContainerRuntime; reason: string; optIn?: boolean };

/** Runs podman as the unprivileged user the provisioning script creates (root only). */
export const PODMAN_ROOTLESS = fileURLToPath(new URL('../../../scripts/podman-rootless', import.meta.url));

/** Whether an engine answers and has the test image. */
export async function engineStatus(
  engine: 'podman' | 'docker' | 'kubernetes',
  runtime: ContainerRuntime = engine === 'docker'
    ? createDockerRuntime()
    : engine === 'podman'
      ? createPodmanRuntime()
      : createKubernetesRuntime(),
): Promise<EngineStatus> {
  try {
    await runtime.info({ timeoutMs: 30_000 });
  } catch (error) {
    return { ok: false, runtime, reason: `${engine} does not answer: ${(error as Error).message}` };
  }
  if (!(await runtime.imageExists(IMAGE))) {
    return {
      ok: false,
      runtime,
      reason: `${engine} has no image ${IMAGE} (scripts/provision-engines.sh builds it; CODEXEC_TEST_IMAGE picks another)`,
    };
  }
  return { ok: true, runtime };
}

/**
 * Rootless podman: as root, the podman of the unprivileged user scripts/provision-engines.sh creates (every command
 * runs as that user, through scripts/podman-rootless); as anyone else, their own podman when it is rootless.
 */
export async function rootlessPodmanStatus(): Promise<EngineStatus> {
  const asRoot = process.getuid?.() === 0;
  const runtime = asRoot ? createPodmanRuntime({ command: PODMAN_ROOTLESS }) : createPodmanRuntime();
  const status = await engineStatus('podman', runtime);
  if (!status.ok) {
    const hint = asRoot ? ' (scripts/provision-engines.sh sets up the user codexec-rootless)' : '';
    return { ...status, reason: `rootless ${status.reason}${hint}` };
  }
  const info = await runtime.info();
  if (!info.rootless) return { ok: false, runtime, reason: 'podman here is rootful, not rootless' };
  return status;
}

/**
 * The remote engines of scripts/provision-engines.sh: podman as a client of a second API service (CONTAINER_HOST),
 * docker talking to its daemon over loopback TCP (DOCKER_HOST). Each must say it is remote when asked.
 */
export async function remoteEngineStatus(engine: 'podman' | 'docker'): Promise<EngineStatus> {
  const runtime =
    engine === 'podman'
      ? createPodmanRuntime({ env: { CONTAINER_HOST: REMOTE_PODMAN_URL } })
      : createDockerRuntime({ env: { DOCKER_HOST: REMOTE_DOCKER_HOST } });
  const address = engine === 'podman' ? REMOTE_PODMAN_URL : REMOTE_DOCKER_HOST;
  const status = await engineStatus(engine, runtime);
  if (!status.ok) {
    return {
      ...status,
      reason: `remote ${status.reason} at ${address} (scripts/provision-engines.sh sets it up)`,
    };
  }
  const info = await runtime.info();
  if (!info.remote)
    return { ok: false, runtime, reason: `${engine} at ${address} does not say it is remote` };
  return status;
}

/**
 * Declares a suite that needs an engine. With one that works, every test runs. Without one, off CI every test of the
 * suite is reported as skipped, one by one (the reason said once, loudly); under CI every test fails with the reason.
 * The suite's body is collected in all three cases, so it must create its sandboxes in hooks or tests, not in the
 * body itself.
 */
export function engineSuite(title: string, status: EngineStatus, body: () => void): void {
  if (status.ok) {
    describe(title, body);
  } else if (!ON_CI || status.optIn) {
    warnSkipped(`the ${title} tests`, status.reason);
    describe.skip(title, body);
  } else {
    describe(title, () => {
      beforeEach(() => {
        throw new Error(`${status.reason} (CI=true: the engine must be there)`);
      });
      body();
    });
  }
}

/** Names of the sandbox's containers that are not the warm pool's own (waiting, being started or removed). */
export async function runContainers(runtime: ContainerRuntime, sandbox: Sandbox): Promise<string[]> {
  const listed = await runtime.list(sandbox.labels);
  const pooled = new Set(sandbox.poolStatus().containers);
  return listed.map((container) => container.name).filter((name) => !pooled.has(name));
}

/**
 * Waits until no container of a finished run is left: after a clean `done` the container is removed after the
 * result is returned, so it may take a moment. Returns what is still there at the deadline.
 */
export async function settledRunContainers(
  runtime: ContainerRuntime,
  sandbox: Sandbox,
  timeoutMs = 60_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await runContainers(runtime, sandbox);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
