import { SandboxError } from './errors.js';

/** How the warm pool of a sandbox behaves. Every field is optional; `size: 0` (the default) disables the pool. */
export interface PoolOptions {
  /**
   * Containers kept started and waiting for their first `execute` (0 disables the pool; at most 32). A host that
   * runs code again and again wants `RECOMMENDED_POOL_SIZE`.
   * @default 0
   */
  size?: number;
  /**
   * A container that waited this long without being used is removed, and the pool stays empty until the next run
   * asks for one: an idle sandbox holds no containers for long.
   * @default 300_000 (5 minutes)
   */
  maxIdleMs?: number;
  /**
   * Containers the pool starts at once, for refills and for runs waiting on it. Starting many at once on a small
   * machine makes each start slower without making the lot finish sooner.
   * @default 2
   */
  maxStarts?: number;
}

export interface ResolvedPoolOptions {
  size: number;
  maxIdleMs: number;
  maxStarts: number;
}

/**
 * The pool size to pass for a host that runs code again and again (the bridge uses it): two runs in a row start
 * without waiting. The library's own default is no pool (`size: 0`).
 */
export const RECOMMENDED_POOL_SIZE = 2;
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
