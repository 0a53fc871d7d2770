import { describe, expect, it } from 'vitest';
import { ContainerRuntimeError } from './errors.js';
import {
  DEFAULT_IMAGE,
  DEFAULT_LIMITS,
  imageFromEnv,
  LIMIT_VARIABLES,
  limitsFromEnv,
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

describe('limitsFromEnv', () => {
  it('gives the hardened defaults when nothing is set', () => {
    expect(limitsFromEnv({})).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toMatchObject({ memory: '512m', pids: 128, user: '65534:65534' });
  });

  it.each([
    ['MCP_BRIDGE_MEMORY', '1G', { memory: '1g' }],
    ['MCP_BRIDGE_MEMORY', '1.5g', { memory: '1.5g' }],
    ['MCP_BRIDGE_PIDS', '64', { pids: 64 }],
    ['MCP_BRIDGE_CPUS', '1.5', { cpus: '1.5' }],
    ['MCP_BRIDGE_CPUS', ' 2 ', { cpus: '2' }],
    ['MCP_BRIDGE_CONTAINER_USER', '1000:1000', { user: '1000:1000' }],
    ['MCP_BRIDGE_CONTAINER_USER', 'nobody', { user: 'nobody' }],
    ['MCP_BRIDGE_NOFILE', '4096', { nofile: 4096 }],
    ['MCP_BRIDGE_NPROC', '256', { nproc: 256 }],
    ['MCP_BRIDGE_TMP_SIZE', '128m', { tmpSize: '128m' }],
    ['MCP_BRIDGE_WORKSPACE_SIZE', '1G', { workspaceSize: '1g' }],
    ['MCP_BRIDGE_OCI_RUNTIME', 'runsc', { ociRuntime: 'runsc' }],
    ['MCP_BRIDGE_OCI_RUNTIME', '/usr/local/bin/crun', { ociRuntime: '/usr/local/bin/crun' }],
  ])('%s=%j sets %j', (variable, value, expected) => {
    expect(limitsFromEnv({ [variable]: value })).toEqual({ ...DEFAULT_LIMITS, ...expected });
  });

  it('treats an empty variable as unset', () => {
    expect(limitsFromEnv({ MCP_BRIDGE_MEMORY: '', MCP_BRIDGE_CPUS: '  ' })).toEqual(DEFAULT_LIMITS);
  });

  it.each([
    ['MCP_BRIDGE_MEMORY', 'lots'],
    ['MCP_BRIDGE_MEMORY', '1m'],
    ['MCP_BRIDGE_MEMORY', '-512m'],
    ['MCP_BRIDGE_PIDS', '0'],
    ['MCP_BRIDGE_PIDS', '12.5'],
    ['MCP_BRIDGE_PIDS', 'many'],
    ['MCP_BRIDGE_CPUS', '0'],
    ['MCP_BRIDGE_CPUS', '-1'],
    ['MCP_BRIDGE_CPUS', 'half'],
    ['MCP_BRIDGE_CONTAINER_USER', '65534:65534:1'],
    ['MCP_BRIDGE_CONTAINER_USER', 'root; rm -rf /'],
    ['MCP_BRIDGE_NOFILE', '8'],
    ['MCP_BRIDGE_NPROC', 'unlimited'],
    ['MCP_BRIDGE_TMP_SIZE', '1.5g'],
    ['MCP_BRIDGE_TMP_SIZE', '10%'],
    ['MCP_BRIDGE_WORKSPACE_SIZE', '512'],
    ['MCP_BRIDGE_OCI_RUNTIME', '--privileged'],
    ['MCP_BRIDGE_OCI_RUNTIME', 'run c'],
  ])('%s=%j is an INVALID_SETTING naming the variable and the value', (variable, value) => {
    const error = thrown(() => limitsFromEnv({ [variable]: value }));
    expect(error.code).toBe('INVALID_SETTING');
    expect(error.setting).toBe(variable);
    expect(error.value).toBe(value);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).toMatch(/expected/);
  });

  it('names every variable it reads', () => {
    expect(Object.values(LIMIT_VARIABLES).every((v) => v.startsWith('MCP_BRIDGE_'))).toBe(true);
    expect(Object.keys(LIMIT_VARIABLES).sort()).toEqual(Object.keys(DEFAULT_LIMITS).sort());
  });

  it('builds on a given base', () => {
    const base = { ...DEFAULT_LIMITS, memory: '1g', pids: 256 };
    expect(limitsFromEnv({ MCP_BRIDGE_PIDS: '32' }, base)).toEqual({ ...base, pids: 32 });
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
    expect(imageFromEnv({})).toBe(DEFAULT_IMAGE);
    expect(DEFAULT_IMAGE).toBe('docker.io/library/python:3.12-slim');
    expect(imageFromEnv({ MCP_BRIDGE_IMAGE: ' ' })).toBe(DEFAULT_IMAGE);
  });

  it.each([
    'localhost/codexec-python:bookworm',
    'python:3.12-slim',
    'ghcr.io/org/img@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  ])('accepts %s', (image) => {
    expect(imageFromEnv({ MCP_BRIDGE_IMAGE: image })).toBe(image);
  });

  it.each(['--privileged', 'python 3', '-v/:/host', ''])('rejects %j', (image) => {
    expect(thrown(() => validateImage(image, 'MCP_BRIDGE_IMAGE')).setting).toBe('MCP_BRIDGE_IMAGE');
  });
});
