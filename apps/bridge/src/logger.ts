import type { LogLevel } from './settings.js';

/** The logger shape every package of the workspace takes. */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export type LogMethod = Exclude<LogLevel, 'silent'>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export function levelEnabled(threshold: LogLevel, level: LogMethod): boolean {
  return RANK[level] >= RANK[threshold];
}

export interface LineLoggerOptions {
  level: LogLevel;
  /** Where finished lines go; the CLI passes stderr. Never stdout: it belongs to MCP. */
  write: (line: string) => void;
  now?: () => Date;
  name?: string;
}

/** One line per event: `2026-01-01T00:00:00.000Z INFO  message key=value …`. */
export function createLineLogger(options: LineLoggerOptions): Logger {
  const now = options.now ?? (() => new Date());
  const emit =
    (level: LogMethod) =>
    (message: string, data?: Record<string, unknown>): void => {
      if (!levelEnabled(options.level, level)) return;
      const prefix = options.name ? `[${options.name}] ` : '';
      options.write(
        `${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${prefix}${message}${formatData(data)}\n`,
      );
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function formatData(data: Record<string, unknown> | undefined): string {
  if (!data) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Sends each event to every logger given. */
export function fanOutLogger(...loggers: Logger[]): Logger {
  const emit =
    (level: LogMethod) =>
    (message: string, data?: Record<string, unknown>): void => {
      for (const logger of loggers) logger[level](message, data);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Prefixes messages with a component name, so one stderr stream tells the packages apart. */
export function childLogger(parent: Logger, component: string): Logger {
  const emit =
    (level: LogMethod) =>
    (message: string, data?: Record<string, unknown>): void =>
      parent[level](`${component}: ${message}`, data);
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
