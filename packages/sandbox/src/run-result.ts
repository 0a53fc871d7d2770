import type { ContainerExit } from '@codexec/container-runtime';
import type { Attachment } from './attachments.js';

export type RunStatus = 'success' | 'error' | 'timeout' | 'cancelled';

/** What one `run` produced. The shape @codexec/toon-output renders. */
export interface RunResult {
  status: RunStatus;
  stdout: string;
  stderr: string;
  /** The value of the last expression, like a REPL: `repr()` and, when it is JSON, the JSON. */
  value?: { repr: string; json?: unknown };
  /**
   * Why the run failed: the Python exception (`ZeroDivisionError`, `McpToolError`, ...) with a traceback free of
   * the runtime's frames, or the sandbox's own reason: `TimeoutError`, `Cancelled`, `MemoryError`, `SandboxError`
   * (engine, image or container trouble), `ProtocolError` (the container broke the frame protocol).
   */
  error?: { type: string; message: string; traceback?: string };
  /** From the call of `run` to its end, container start included. */
  durationMs: number;
  /** Tool calls the code made. */
  calls: number;
  /** Whether output was cut to `maxOutputBytes`, and how many bytes of each stream were dropped. */
  truncated: { stdout: boolean; stderr: boolean; stdoutBytes: number; stderrBytes: number };
  /** Set for runs of a session (`session.run`): where the run stands in it and what became of its state. */
  session?: SessionRunInfo;
  /** Files the code handed back (`runtime.attach`, `runtime.show`), in order. */
  attachments?: Attachment[];
}

/** A session run's place in its session. */
export interface SessionRunInfo {
  /** The session's id. */
  id: string;
  /** This run's number in the session, from 1. */
  run: number;
  /** `new`: the run started in a fresh interpreter and container; `kept`: it saw the state of the runs before. */
  state: 'new' | 'kept';
  /** Why the state is new although this is not the session's first run: a reset, a lost container, idleness. */
  reason?: string;
  /** Set when this run ended with the loss of the session's state, saying why; the next run starts afresh. */
  lost?: string;
}

/** A run that ended before any code ran (a container that did not start, a cancel while waiting). Pure. */
export function failedRun(
  startedAt: number,
  status: 'error' | 'cancelled',
  type: string,
  message: string,
): RunResult {
  return {
    status,
    stdout: '',
    stderr: '',
    error: { type, message },
    durationMs: Math.round(performance.now() - startedAt),
    calls: 0,
    truncated: { stdout: false, stderr: false, stdoutBytes: 0, stderrBytes: 0 },
  };
}

/** Exit status 137 = SIGKILL. The sandbox did not send it, and PID 1 cannot be killed from inside the container. */
export function looksOutOfMemory(exit: ContainerExit): boolean {
  return exit.error === undefined && (exit.code === 137 || exit.signal === 'SIGKILL');
}

export function memoryLimitMessage(memory: string): string {
  return (
    `The container was killed before the code finished, most likely by the out-of-memory killer: the code used ` +
    `more than the memory limit of ${memory}. Use less memory (process data in pieces), or raise ` +
    '`limits.memory`'
  );
}

export function diedMessage(exit: ContainerExit, stderr: string): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const said = stderr.trim() ? ` Its last stderr: ${stderr.trim().slice(-1000)}` : '';
  return `The container ${how} before the code finished; the run was lost.${said}`;
}
