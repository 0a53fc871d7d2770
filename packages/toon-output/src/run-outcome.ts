/** How a run ended. `cancelled` is an addition; the other four are the statuses the original bridge reported. */
export type OutcomeStatus = 'success' | 'error' | 'timeout' | 'cancelled' | 'validation_error';

export const OUTCOME_STATUSES: readonly OutcomeStatus[] = [
  'success',
  'error',
  'timeout',
  'cancelled',
  'validation_error',
];

/** The Python exception that ended a run. */
export interface RunErrorInfo {
  /** Exception class name, e.g. `ZeroDivisionError`. */
  type: string;
  message: string;
  /** Formatted traceback, lines separated by newlines. */
  traceback?: string;
}

/** Truncation that already happened before rendering (in the sandbox), passed through to the result. */
export interface UpstreamTruncation {
  stdout?: boolean;
  stderr?: boolean;
  /** How many bytes of stdout the sandbox dropped. */
  stdoutBytes?: number;
  /** How many bytes of stderr the sandbox dropped. */
  stderrBytes?: number;
}

/** Where a run stands in its session, and what became of the session's state. */
export interface SessionOutcome {
  /** The session's name, as the caller knows it. */
  name: string;
  /** The run's number in the session, from 1. */
  run: number;
  /** `new`: the run started with a fresh interpreter; `kept`: it saw what the runs before it left. */
  state: 'new' | 'kept';
  /** Why the state is new although runs came before (a reset, a lost container, idleness). */
  reason?: string;
  /** The run ended with the loss of the session's state: why. */
  lost?: string;
}

/**
 * The result of one code-execution run, as a sandbox produces it. Only `status` is required; every other field is
 * rendered when present.
 */
export interface RunOutcome {
  status: OutcomeStatus;
  /** Raw stdout text as produced. */
  stdout?: string;
  /** Raw stderr text as produced. */
  stderr?: string;
  /** The value of the last expression, like a REPL shows it. `json` is set when the value is JSON-serialisable. */
  value?: { repr: string; json?: unknown };
  error?: RunErrorInfo | string;
  durationMs?: number;
  timeoutSeconds?: number;
  /** Servers loaded for the run. */
  servers?: string[];
  /** Tool calls made during the run. */
  calls?: number;
  exitCode?: number;
  truncated?: UpstreamTruncation;
  /** A message for the model, e.g. why arguments were rejected for `validation_error`. */
  message?: string;
  /** Set for runs of a session. */
  session?: SessionOutcome;
  /** Files the code handed back (their bytes travel as separate content; here, what they are). */
  attachments?: AttachmentOutcome[];
}

/** A file handed back with a run's result. */
export interface AttachmentOutcome {
  name: string;
  mimeType: string;
  /** Bytes. */
  size: number;
}
