import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on every common Linux). */
let ticksPerSecond: number | undefined;

/** User plus system CPU time the process has used so far, in ms, from /proc/<pid>/stat (Linux). */
export async function cpuTimeMs(pid: number): Promise<number> {
  if (ticksPerSecond === undefined) {
    const getconf = await command('getconf', ['CLK_TCK'], 10_000);
    ticksPerSecond = Number(getconf.stdout.trim()) || 100;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in parentheses may hold spaces: the fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond;
}

export interface ChildProcess {
  pid: number;
  args: string[];
}

/** The direct children of a process with their command lines, from /proc (Linux). */
export function childProcesses(parent: number): ChildProcess[] {
  const children: ChildProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      children.push({ pid: Number(entry), args });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return children;
}

/**
 * Waits until no child of `parent` matches (polling each match's pid every `pollMs`, and listing the children again
 * after each is gone, since one may start another's successor). Returns false after `timeoutMs`.
 */
export async function untilNoChild(
  parent: number,
  matches: (child: ChildProcess) => boolean,
  { pollMs = 2, timeoutMs = 60_000 }: { pollMs?: number; timeoutMs?: number } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = childProcesses(parent).filter(matches);
    if (left.length === 0) return true;
    for (const child of left) {
      while (processIsAlive(child.pid)) {
        if (Date.now() > deadline) return false;
        await sleep(pollMs);
      }
    }
  }
}
