import { readFileSync } from 'node:fs';
import { processIsAlive } from '../orphans.js';
import { procSaysRunning } from '../process-state.js';

/** What `clientRunning` needs of a child process (a `ChildProcess`). */
export interface ClientProcess {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
}

/**
 * Whether an engine client this process started is running at this instant, read synchronously.
 *
 * Exact on Linux, and free of races with the event loop: Node reaps its children itself (libuv's `waitpid`) and sets
 * `exitCode` or `signalCode` in the same callback, so while both are null the pid is still our unreaped child and
 * cannot belong to another process; `/proc/<pid>/` then says whether it runs, is dying (a SIGKILL pending, or
 * `PF_EXITING`) or is a zombie whose exit the event loop has not delivered yet. Where `/proc` cannot be read (not
 * Linux), signal 0 asks, which a zombie still answers: there a kill is seen only once Node has reaped the child.
 */
export function clientRunning(child: ClientProcess): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  } catch {
    return processIsAlive(child.pid);
  }
  return procSaysRunning(stat, status) ?? processIsAlive(child.pid);
}
