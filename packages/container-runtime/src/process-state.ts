/**
 * Whether a process is running, from what Linux says of it in `/proc/<pid>/stat` and `/proc/<pid>/status`. Pure:
 * the adapters read the files (`adapters/client-liveness.ts`).
 */

/** `PF_EXITING` in the flags field of `/proc/<pid>/stat`: the task has begun to exit. */
const PF_EXITING = 0x4;
/** SIGKILL (9) in a hexadecimal mask of `/proc/<pid>/status` (`SigPnd`, `ShdPnd`): bit 8. */
const SIGKILL_BIT = 1n << 8n;

export interface ProcStat {
  /** One letter: `R` running, `S` sleeping, `D` disk sleep, `T` stopped, `Z` zombie, `X` dead, … */
  state: string;
  /** The task's `PF_*` flags. */
  flags: number;
}

/**
 * The state and flags of `/proc/<pid>/stat`, or undefined when the text is not one. The command name in
 * parentheses may hold spaces and parentheses itself, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After the name: state (field 3), ppid, pgrp, session, tty_nr, tpgid, flags (field 9).
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const flags = Number(fields[6]);
  if (!state || !/^[A-Za-z]$/.test(state) || !Number.isInteger(flags) || flags < 0) return undefined;
  return { state, flags };
}

/**
 * Whether `/proc/<pid>/status` shows a SIGKILL pending, for the process (`ShdPnd`, where `kill -9` puts it) or for
 * its main thread (`SigPnd`, where an exiting thread group puts it). Undefined when the text has neither line.
 */
export function killPending(text: string): boolean | undefined {
  let seen = false;
  for (const match of text.matchAll(/^(?:ShdPnd|SigPnd):\s*([0-9a-fA-F]+)\s*$/gm)) {
    seen = true;
    if ((BigInt(`0x${match[1]}`) & SIGKILL_BIT) !== 0n) return true;
  }
  return seen ? false : undefined;
}

/**
 * Whether a process whose `/proc` files read so is running, not dying: not a zombie (`Z`) nor dead (`X`), not
 * exiting (`PF_EXITING`), with no SIGKILL pending. A SIGKILL is delivered before the process has exited: for a
 * while after `kill -9` returns, `stat` still says `R`, and only the pending signal says it is as good as gone.
 * Undefined when the texts cannot be read as such.
 */
export function procSaysRunning(stat: string, status: string): boolean | undefined {
  const parsed = parseProcStat(stat);
  const killed = killPending(status);
  if (!parsed || killed === undefined) return undefined;
  if (parsed.state === 'Z' || parsed.state === 'X' || parsed.state === 'x') return false;
  return (parsed.flags & PF_EXITING) === 0 && !killed;
}
