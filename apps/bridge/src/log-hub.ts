import type { Logger, LogMethod } from './logger.js';

export interface LogEvent {
  level: LogMethod;
  message: string;
  data?: Record<string, unknown> | undefined;
}

/** A logger whose events are handed to whoever listens: each MCP session forwards them to its client. */
export interface LogHub {
  readonly logger: Logger;
  subscribe(listener: (event: LogEvent) => void): () => void;
}

export function createLogHub(): LogHub {
  const listeners = new Set<(event: LogEvent) => void>();
  const emit =
    (level: LogMethod) =>
    (message: string, data?: Record<string, unknown>): void => {
      for (const listener of listeners) {
        try {
          listener({ level, message, data });
        } catch {
          // A listener that fails (a closed session) must not break logging for the others.
        }
      }
    };
  return {
    logger: { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
