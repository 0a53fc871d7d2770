import { describe, expect, it } from 'vitest';
import { isSandboxError } from './errors.js';
import {
  DEFAULT_POOL_MAX_IDLE_MS,
  DEFAULT_POOL_MAX_STARTS,
  RECOMMENDED_POOL_SIZE,
  resolvePoolOptions,
} from './pool-settings.js';

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('resolvePoolOptions', () => {
  it('leaves the pool off by default; a server host turns it on with RECOMMENDED_POOL_SIZE', () => {
    expect(resolvePoolOptions(undefined).size).toBe(0);
    expect(resolvePoolOptions({ size: RECOMMENDED_POOL_SIZE }).size).toBe(2);
  });

  it('defaults to no pool', () => {
    expect(resolvePoolOptions(undefined)).toEqual({
      size: 0,
      maxIdleMs: DEFAULT_POOL_MAX_IDLE_MS,
      maxStarts: DEFAULT_POOL_MAX_STARTS,
    });
  });

  it('keeps what is given', () => {
    expect(resolvePoolOptions({ size: 3, maxIdleMs: 1000.7, maxStarts: 4 })).toEqual({
      size: 3,
      maxIdleMs: 1000,
      maxStarts: 4,
    });
  });

  it.each([
    [{ size: -1 }, 'pool.size'],
    [{ size: 2.5 }, 'pool.size'],
    [{ size: 33 }, 'pool.size'],
    [{ maxIdleMs: 0 }, 'pool.maxIdleMs'],
    [{ maxIdleMs: Number.NaN }, 'pool.maxIdleMs'],
    [{ maxStarts: 0 }, 'pool.maxStarts'],
  ])('%j is refused, naming %s', (options, name) => {
    const error = thrown(() => resolvePoolOptions(options));
    expect(isSandboxError(error, 'INVALID_OPTIONS')).toBe(true);
    expect(error.message).toContain(name);
  });
});
