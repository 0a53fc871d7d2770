import type { OutcomeStatus, RunOutcome } from './run-outcome.js';

/** `Type: message` for an exception, the text for a string error, undefined when there is none. */
export function errorText(error: RunOutcome['error']): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return error === '' ? undefined : error;
  const type = typeof error.type === 'string' ? error.type : '';
  const message = typeof error.message === 'string' ? error.message : String(error.message ?? '');
  if (type && message) return `${type}: ${message}`;
  return type || message || undefined;
}

export interface Headline {
  summary: string;
  /** The `error` field: the given error, or the one the original bridge reported in the same situation. */
  error?: string;
}

/**
 * The summary line and error text users of the original bridge know: `Success`, `Success (no output)`,
 * `Timeout: execution exceeded 30s`, `Sandbox error: <error>`, the validation message, and `Cancelled`.
 */
export function headline(outcome: RunOutcome, status: OutcomeStatus, hasOutput: boolean): Headline {
  const error = errorText(outcome.error);
  const message = typeof outcome.message === 'string' && outcome.message !== '' ? outcome.message : undefined;
  const timeout = validSeconds(outcome.timeoutSeconds);
  switch (status) {
    case 'success':
      return { summary: hasOutput ? 'Success' : 'Success (no output)', ...(error ? { error } : {}) };
    case 'timeout':
      return {
        summary:
          timeout === undefined
            ? 'Timeout: execution exceeded the time limit'
            : `Timeout: execution exceeded ${timeout}s`,
        error:
          error ??
          (timeout === undefined ? 'Execution timed out' : `Execution timed out after ${timeout} seconds`),
      };
    case 'validation_error': {
      const text = message ?? error ?? 'Invalid arguments';
      return { summary: text, error: error ?? text };
    }
    case 'cancelled':
      return { summary: 'Cancelled', ...(error ? { error } : {}) };
    case 'error': {
      const exited = Number.isInteger(outcome.exitCode)
        ? `Sandbox exited with code ${outcome.exitCode}`
        : undefined;
      const text = error ?? message ?? exited;
      return text ? { summary: `Sandbox error: ${text}`, error: text } : { summary: 'Sandbox error' };
    }
  }
}

export function validSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
