export { unknownFields } from './schema-fields.js';

/**
 * Whether the tests run under CI: `CI` is `true`, `1` or `yes` (any case), as CI services and `.ci/run` set it.
 * Under CI a test that needs a container engine or a build must run (and fail when it cannot); elsewhere it may
 * be skipped, loudly. The one answer every package's tests use.
 */
export function isCi(env: Record<string, string | undefined> = process.env): boolean {
  return /^(true|1|yes)$/i.test((env.CI ?? '').trim());
}

export const ON_CI = isCi();

/** Says loudly on stderr that tests are skipped and why (off CI only: under CI they run and fail instead). */
export function warnSkipped(what: string, reason: string): void {
  process.stderr.write(`\n!!! SKIPPING ${what}: ${reason}\n\n`);
}

/**
 * The remote engines scripts/provision-engines.sh sets up on one machine: a second podman API service with storage
 * of its own (`CODEXEC_REMOTE_PODMAN_URL` points elsewhere), which alone holds `REMOTE_ONLY_IMAGE`, and dockerd
 * listening on loopback TCP (`CODEXEC_REMOTE_DOCKER_HOST`).
 */
export const REMOTE_PODMAN_URL =
  process.env.CODEXEC_REMOTE_PODMAN_URL ?? 'unix:///run/codexec-remote/podman.sock';
export const REMOTE_DOCKER_HOST = process.env.CODEXEC_REMOTE_DOCKER_HOST ?? 'tcp://127.0.0.1:2375';
export const REMOTE_ONLY_IMAGE = 'localhost/codexec-remote-only:bookworm';
