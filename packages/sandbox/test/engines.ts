import { fileURLToPath } from 'node:url';
import { type ContainerRuntime, createDockerRuntime, createPodmanRuntime } from '@codexec/container-runtime';
import { describe, it } from 'vitest';
import type { Sandbox } from '../src/index.js';

export const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
export const ON_CI = process.env.CI === 'true';

export type EngineStatus =
  | { ok: true; runtime: ContainerRuntime }
  | { ok: false; runtime: ContainerRuntime; reason: string };

/** Runs podman as the unprivileged user the provisioning script creates (root only). */
export const PODMAN_ROOTLESS = fileURLToPath(new URL('../../../scripts/podman-rootless', import.meta.url));

/** Whether an engine answers and has the test image. */
export async function engineStatus(
  engine: 'podman' | 'docker',
  runtime: ContainerRuntime = engine === 'podman' ? createPodmanRuntime() : createDockerRuntime(),
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
 * The engine of a suite, when it works. Otherwise the suite cannot run: under CI=true a failing test says why;
 * elsewhere the suite is skipped, loudly. Returns undefined then.
 */
export function suiteRuntime(title: string, status: EngineStatus): ContainerRuntime | undefined {
  if (status.ok) return status.runtime;
  if (ON_CI) {
    describe(title, () => {
      it('has a working engine and the test image (CI=true)', () => {
        throw new Error(status.reason);
      });
    });
  } else {
    console.warn(`\n!!! SKIPPING the ${title} tests: ${status.reason}\n`);
    describe.skip(title, () => {
      it('needs the engine', () => {});
    });
  }
  return undefined;
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
