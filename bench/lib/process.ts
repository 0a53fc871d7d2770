import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processIsAlive } from '@codexec/container-runtime';

export class BenchTimeout extends Error {}

/** Rejects with `BenchTimeout` when the work takes longer than `ms`: nothing in the bench may hang. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeout(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (killed after `timeoutMs`), never rejecting: the exit code says how it went. */
export function command(file: string, args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: performance.now() - started });
      },
    );
  });
}

/** Resident set size of a process in MiB, from /proc (Linux); undefined when it cannot be read. */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

/** Waits until the process is gone; SIGKILL after `graceMs`. */
export async function ensureGone(pid: number, graceMs = 10_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (processIsAlive(pid) && Date.now() < deadline) await sleep(100);
  if (processIsAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    const hard = Date.now() + 5000;
    while (processIsAlive(pid) && Date.now() < hard) await sleep(100);
  }
}
