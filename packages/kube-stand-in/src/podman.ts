import { execFile } from 'node:child_process';

/** The outcome of one podman command; never throws for a non-zero exit. */
export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman ARGS` to its end (its own failures are results, so callers decide what they mean). */
export function podman(
  binary: string,
  args: string[],
  options: { signal?: AbortSignal } = {},
): Promise<PodmanResult> {
  return new Promise((resolve) => {
    execFile(binary, args, { signal: options.signal, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (error?.message ?? '')) });
    });
  });
}
