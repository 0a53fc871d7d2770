import { describe, expect, it } from 'vitest';
import { ContainerRuntimeError } from './errors.js';
import {
  checkLimit,
  DEFAULT_IMAGE,
  DEFAULT_LIMITS,
  parseSize,
  validateImage,
  validateLimits,
} from './settings.js';

function thrown(fn: () => unknown): ContainerRuntimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContainerRuntimeError) return error;
    throw error;
  }
  throw new Error('expected a ContainerRuntimeError');
}

describe('parseSize', () => {
  it.each([
    ['512m', 512 * 1024 * 1024],
    ['1g', 1024 ** 3],
    ['1.5G', 1.5 * 1024 ** 3],
    ['64k', 65536],
    ['1048576', 1048576],
    ['100b', 100],
    [' 2m ', 2 * 1024 * 1024],
  ])('%s is %d bytes', (raw, bytes) => {
    expect(parseSize(raw)).toBe(bytes);
  });

  it.each(['', 'm', '-1m', '1t', '1 gb', 'lots', '1e6', '0x10'])('%j is not a size', (raw) => {
    expect(parseSize(raw)).toBeUndefined();
  });
});

describe('checkLimit', () => {
  it.each<[Parameters<typeof checkLimit>[0], string, unknown]>([
    ['memory', '1G', '1g'],
    ['memory', '1.5g', '1.5g'],
    ['pids', '64', 64],
    ['cpus', ' 2 ', '2'],
    ['user', '1000:1000', '1000:1000'],
    ['user', 'nobody', 'nobody'],
    ['nofile', '4096', 4096],
    ['nproc', '256', 256],
    ['tmpSize', '128m', '128m'],
    ['workspaceSize', '1G', '1g'],
    ['ociRuntime', 'runsc', 'runsc'],
  ])('%s %j is %j', (key, raw, expected) => {
    expect(checkLimit(key, raw)).toEqual(expected);
  });

  it.each<[Parameters<typeof checkLimit>[0], string]>([
    ['memory', '2m'],
    ['memory', 'lots'],
    ['pids', '0'],
    ['cpus', '0'],
    ['workspaceSize', '512'],
    ['ociRuntime', '--privileged'],
    ['ociRuntime', 'run c'],
  ])('%s %j is an INVALID_OPTIONS naming the option, or the name the caller gives', (key, raw) => {
    const error = thrown(() => checkLimit(key, raw));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.setting).toBe(`limits.${key}`);
    expect(error.value).toBe(raw);
    expect(error.message).toContain(JSON.stringify(raw));
    expect(error.message).toMatch(/expected/);
    expect(thrown(() => checkLimit(key, raw, 'MY_APP_LIMIT')).message).toContain('MY_APP_LIMIT');
  });

  it('gives the hardened defaults', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ memory: '512m', pids: 128, user: '65534:65534' });
    expect(validateLimits(DEFAULT_LIMITS)).toEqual(DEFAULT_LIMITS);
  });
});

describe('validateLimits', () => {
  it('names the option path of a bad value', () => {
    const error = thrown(() => validateLimits({ ...DEFAULT_LIMITS, pids: -1 }));
    expect(error.setting).toBe('limits.pids');
  });

  it('requires every limit but cpus and ociRuntime', () => {
    const { memory: _memory, ...rest } = DEFAULT_LIMITS;
    expect(thrown(() => validateLimits(rest as typeof DEFAULT_LIMITS)).setting).toBe('limits.memory');
  });
});

describe('images', () => {
  it('defaults to the fully qualified python:3.12-slim', () => {
    expect(DEFAULT_IMAGE).toBe('docker.io/library/python:3.12-slim');
  });

  it.each([
    'localhost/codexec-python:bookworm',
    'python:3.12-slim',
    'ghcr.io/org/img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  ])('accepts %s', (image) => {
    expect(validateImage(` ${image} `)).toBe(image);
  });

  it.each(['--privileged', 'python 3', '-v/:/host', ''])('rejects %j', (image) => {
    expect(thrown(() => validateImage(image)).setting).toBe('image');
  });
});
