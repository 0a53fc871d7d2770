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
