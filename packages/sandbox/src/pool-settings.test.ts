import { describe, expect, it } from 'vitest';
import { isSandboxError } from './errors.js';
import {
  DEFAULT_POOL_MAX_IDLE_MS,
  DEFAULT_POOL_MAX_STARTS,
  DEFAULT_POOL_SIZE,
  parsePoolDuration,
  poolFromEnv,
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

describe('poolFromEnv', () => {
  it.each([
    [{}, { size: DEFAULT_POOL_SIZE, maxIdleMs: DEFAULT_POOL_MAX_IDLE_MS }],
    [{ MCP_BRIDGE_POOL_SIZE: '0' }, { size: 0, maxIdleMs: DEFAULT_POOL_MAX_IDLE_MS }],
    [{ MCP_BRIDGE_POOL_SIZE: ' 5 ' }, { size: 5, maxIdleMs: DEFAULT_POOL_MAX_IDLE_MS }],
    [{ MCP_BRIDGE_POOL_SIZE: '32' }, { size: 32, maxIdleMs: DEFAULT_POOL_MAX_IDLE_MS }],
    [{ MCP_BRIDGE_POOL_SIZE: '' }, { size: DEFAULT_POOL_SIZE, maxIdleMs: DEFAULT_POOL_MAX_IDLE_MS }],
    [{ MCP_BRIDGE_POOL_MAX_IDLE: '90' }, { size: DEFAULT_POOL_SIZE, maxIdleMs: 90_000 }],
    [{ MCP_BRIDGE_POOL_MAX_IDLE: '2m' }, { size: DEFAULT_POOL_SIZE, maxIdleMs: 120_000 }],
    [{ MCP_BRIDGE_POOL_MAX_IDLE: '750ms' }, { size: DEFAULT_POOL_SIZE, maxIdleMs: 750 }],
    [{ MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT: '45s' }, { size: DEFAULT_POOL_SIZE, maxIdleMs: 45_000 }],
    [
      { MCP_BRIDGE_POOL_MAX_IDLE: '10s', MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT: '45s' },
      { size: DEFAULT_POOL_SIZE, maxIdleMs: 10_000 },
    ],
  ])('%j gives %j', (env, expected) => {
    expect(poolFromEnv(env)).toEqual({ ...expected, maxStarts: DEFAULT_POOL_MAX_STARTS });
  });

  it.each([
    ['MCP_BRIDGE_POOL_SIZE', 'two'],
    ['MCP_BRIDGE_POOL_SIZE', '-1'],
    ['MCP_BRIDGE_POOL_SIZE', '33'],
    ['MCP_BRIDGE_POOL_SIZE', '1.5'],
    ['MCP_BRIDGE_POOL_MAX_IDLE', 'soon'],
    ['MCP_BRIDGE_POOL_MAX_IDLE', '0'],
    ['MCP_BRIDGE_POOL_MAX_IDLE', '-5s'],
    ['MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT', '5 minutes'],
  ])('%s=%s is refused with a message naming the variable', (name, value) => {
    const error = thrown(() => poolFromEnv({ [name]: value }));
    expect(isSandboxError(error, 'INVALID_OPTIONS')).toBe(true);
    expect(error.message).toContain(name);
    expect(error.message).toContain(JSON.stringify(value));
  });
});

describe('parsePoolDuration', () => {
  it.each([
    ['300', 300_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['500MS', 500],
    ['', undefined],
    ['0', undefined],
    ['5 m', undefined],
    ['m5', undefined],
  ])('%j → %j', (raw, ms) => {
    expect(parsePoolDuration(raw)).toBe(ms);
  });
});

describe('resolvePoolOptions', () => {
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
