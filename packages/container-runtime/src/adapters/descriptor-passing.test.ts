import { describe, expect, it } from 'vitest';
import { type DescriptorPassingInput, passesDescriptors } from './descriptor-passing.js';

const local: DescriptorPassingInput = {
  dialect: { engine: 'podman', preservesFds: true },
  command: 'podman',
  globalArgs: [],
  env: { PATH: '/usr/bin' },
  platform: 'linux',
};

describe('passesDescriptors', () => {
  it('holds for a local podman on Linux, by name or path', () => {
    expect(passesDescriptors(local)).toBe(true);
    expect(passesDescriptors({ ...local, command: '/usr/bin/podman' })).toBe(true);
    expect(passesDescriptors({ ...local, globalArgs: ['--log-level', 'error'] })).toBe(true);
  });

  it.each<[string, Partial<DescriptorPassingInput>]>([
    ['an engine without --preserve-fds (docker)', { dialect: { engine: 'docker', preservesFds: false } }],
    ['macOS (podman talks to a machine)', { platform: 'darwin' }],
    ['Windows', { platform: 'win32' }],
    ['a podman-remote binary', { command: '/usr/bin/podman-remote' }],
    ['--url', { globalArgs: ['--url', 'ssh://core@host/run/podman/podman.sock'] }],
    ['--url=…', { globalArgs: ['--url=unix:///run/podman/podman.sock'] }],
    ['--connection', { globalArgs: ['--connection', 'machine'] }],
    ['--remote', { globalArgs: ['--remote'] }],
    ['CONTAINER_HOST', { env: { CONTAINER_HOST: 'unix:///run/podman/podman.sock' } }],
    ['CONTAINER_CONNECTION', { env: { CONTAINER_CONNECTION: 'machine' } }],
  ])('does not hold for %s', (_what, change) => {
    expect(passesDescriptors({ ...local, ...change })).toBe(false);
  });
});
