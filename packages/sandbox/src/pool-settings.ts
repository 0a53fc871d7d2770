import { SandboxError } from './errors.js';

/** How the warm pool of a sandbox behaves. Every field is optional; `size: 0` (the default) disables the pool. */
export interface PoolOptions {
  /** Containers kept started and waiting for their first `execute` (0 disables the pool; at most 32). */
  size?: number;
  /**
   * A container that waited this long without being used is removed, and the pool stays empty until the next run
   * asks for one: an idle sandbox holds no containers for long. Default 5 minutes.
   */
  maxIdleMs?: number;
  /**
   * Containers the pool starts at once, for refills and for runs waiting on it (default 2). Starting many at once
   * on a small machine makes each start slower without making the lot finish sooner.
   */
  maxStarts?: number;
}

export interface ResolvedPoolOptions {
  size: number;
  maxIdleMs: number;
  maxStarts: number;
}

/** The size `poolFromEnv` gives when `MCP_BRIDGE_POOL_SIZE` is unset: two runs in a row start without waiting. */
export const DEFAULT_POOL_SIZE = 2;
export const DEFAULT_POOL_MAX_IDLE_MS = 5 * 60_000;
export const DEFAULT_POOL_MAX_STARTS = 2;
export const MAX_POOL_SIZE = 32;

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `${name} must be a whole number from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** Checks `createSandbox`'s `pool` option and fills in the defaults. Pure. */
export function resolvePoolOptions(options: PoolOptions | undefined): ResolvedPoolOptions {
  const size = wholeNumber('pool.size', options?.size ?? 0, 0, MAX_POOL_SIZE);
  const maxIdleMs = options?.maxIdleMs ?? DEFAULT_POOL_MAX_IDLE_MS;
  if (typeof maxIdleMs !== 'number' || !Number.isFinite(maxIdleMs) || maxIdleMs <= 0) {
    throw new SandboxError(
      'INVALID_OPTIONS',
      `pool.maxIdleMs must be a positive number of milliseconds, got ${String(maxIdleMs)}`,
    );
  }
  const maxStarts = wholeNumber('pool.maxStarts', options?.maxStarts ?? DEFAULT_POOL_MAX_STARTS, 1, 64);
  return { size, maxIdleMs: Math.floor(maxIdleMs), maxStarts };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30` (seconds), `30s`, `2m`, `500ms`, `1h` → milliseconds; undefined when the text is none of these. Pure. */
export function parsePoolDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/i.exec(raw.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 's').toLowerCase()]!;
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/**
 * The pool settings of the environment, for a long-running host such as the bridge. Pure.
 *
 * - `MCP_BRIDGE_POOL_SIZE`: containers kept warm, 0 to 32; unset: {@link DEFAULT_POOL_SIZE}.
 * - `MCP_BRIDGE_POOL_MAX_IDLE`: how long a warm container may wait (`300`, `300s`, `5m`, `500ms`); unset: the
 *   original bridge's `MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT` (how long idle warm containers are kept), else 5 minutes.
 *
 * An empty variable counts as unset. Throws `SandboxError` `INVALID_OPTIONS` naming the variable and its value.
 */
export function poolFromEnv(env: Readonly<Record<string, string | undefined>>): ResolvedPoolOptions {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const rawSize = read('MCP_BRIDGE_POOL_SIZE');
  let size = DEFAULT_POOL_SIZE;
  if (rawSize !== undefined) {
    size = /^\d+$/.test(rawSize) ? Number(rawSize) : Number.NaN;
    if (!(size >= 0 && size <= MAX_POOL_SIZE)) {
      throw new SandboxError(
        'INVALID_OPTIONS',
        `MCP_BRIDGE_POOL_SIZE=${JSON.stringify(rawSize)} is not usable: expected a whole number from 0 to ` +
          `${MAX_POOL_SIZE} (containers kept warm; 0 turns the pool off)`,
      );
    }
  }
  let maxIdleMs = DEFAULT_POOL_MAX_IDLE_MS;
  for (const name of ['MCP_BRIDGE_POOL_MAX_IDLE', 'MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT']) {
    const raw = read(name);
    if (raw === undefined) continue;
    const parsed = parsePoolDuration(raw);
    if (parsed === undefined) {
      throw new SandboxError(
        'INVALID_OPTIONS',
        `${name}=${JSON.stringify(raw)} is not usable: expected a positive duration such as 300, 300s, 5m or 500ms`,
      );
    }
    maxIdleMs = parsed;
    break;
  }
  return { size, maxIdleMs, maxStarts: DEFAULT_POOL_MAX_STARTS };
}
