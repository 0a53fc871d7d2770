import { type ContainerRuntime, createDockerRuntime, createPodmanRuntime } from '@codexec/container-runtime';

export const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
export const ON_CI = process.env.CI === 'true';

export type EngineStatus =
  | { ok: true; runtime: ContainerRuntime }
  | { ok: false; runtime: ContainerRuntime; reason: string };

/** Whether an engine answers and has the test image. */
export async function engineStatus(engine: 'podman' | 'docker'): Promise<EngineStatus> {
  const runtime = engine === 'podman' ? createPodmanRuntime() : createDockerRuntime();
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
