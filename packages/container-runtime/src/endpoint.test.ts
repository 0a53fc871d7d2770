import { describe, expect, it } from 'vitest';
import { describeEndpoint, type EndpointInput, engineEndpoint } from './endpoint.js';

const podman: EndpointInput = {
  engine: 'podman',
  command: 'podman',
  globalArgs: [],
  env: {},
  platform: 'linux',
};
const docker: EndpointInput = { ...podman, engine: 'docker', command: 'docker' };

describe('engineEndpoint', () => {
  it('is the local default when nothing names another', () => {
    expect(engineEndpoint(podman)).toEqual({ kind: 'local', source: 'default', remote: false });
    expect(engineEndpoint({ ...podman, globalArgs: ['--log-level', 'error'] }).remote).toBe(false);
    expect(engineEndpoint(docker)).toEqual({ kind: 'local', source: 'default', remote: false });
    // Another engine's variable is not read.
    expect(engineEndpoint({ ...docker, env: { CONTAINER_HOST: 'unix:///x.sock' } }).remote).toBe(false);
  });

  it.each<[string, EndpointInput, Partial<ReturnType<typeof engineEndpoint>>]>([
    [
      'podman --url',
      { ...podman, globalArgs: ['--url', 'ssh://core@h/run/podman.sock'] },
      { kind: 'address', value: 'ssh://core@h/run/podman.sock', source: '--url' },
    ],
    [
      'podman --url=',
      { ...podman, globalArgs: ['--url=tcp://127.0.0.1:8888'] },
      { kind: 'address', value: 'tcp://127.0.0.1:8888', source: '--url' },
    ],
    [
      'podman --connection',
      { ...podman, globalArgs: ['--connection', 'prod'] },
      { kind: 'connection', value: 'prod', source: '--connection' },
    ],
    [
      'podman -c',
      { ...podman, globalArgs: ['-c', 'prod'] },
      { kind: 'connection', value: 'prod', source: '-c' },
    ],
    [
      'podman --remote',
      { ...podman, globalArgs: ['--remote'] },
      { kind: 'address', value: undefined, source: '--remote' },
    ],
    [
      'CONTAINER_HOST',
      { ...podman, env: { CONTAINER_HOST: 'unix:///run/x.sock' } },
      { kind: 'address', value: 'unix:///run/x.sock', source: 'CONTAINER_HOST' },
    ],
    [
      'CONTAINER_CONNECTION',
      { ...podman, env: { CONTAINER_CONNECTION: 'prod' } },
      { kind: 'connection', value: 'prod', source: 'CONTAINER_CONNECTION' },
    ],
    [
      'podman-remote',
      { ...podman, command: '/usr/bin/podman-remote' },
      { kind: 'address', source: 'podman-remote' },
    ],
    ['podman on macOS', { ...podman, platform: 'darwin' }, { kind: 'machine', source: 'podman machine' }],
    [
      'docker -H',
      { ...docker, globalArgs: ['-H', 'tcp://10.0.0.2:2376'] },
      { kind: 'address', value: 'tcp://10.0.0.2:2376', source: '-H' },
    ],
    [
      'docker --host=',
      { ...docker, globalArgs: ['--host=ssh://me@h'] },
      { kind: 'address', value: 'ssh://me@h', source: '--host' },
    ],
    [
      'docker --context',
      { ...docker, globalArgs: ['--context', 'prod'] },
      { kind: 'context', value: 'prod', source: '--context' },
    ],
    [
      'DOCKER_HOST',
      { ...docker, env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' } },
      { kind: 'address', value: 'tcp://127.0.0.1:2375', source: 'DOCKER_HOST' },
    ],
    [
      'DOCKER_CONTEXT',
      { ...docker, env: { DOCKER_CONTEXT: 'prod' } },
      { kind: 'context', value: 'prod', source: 'DOCKER_CONTEXT' },
    ],
  ])('%s is remote, and says what chose it', (_what, input, expected) => {
    expect(engineEndpoint(input)).toEqual({ remote: true, value: undefined, ...expected });
  });

  it('prefers a flag to a variable, and an address to a connection or context', () => {
    const both = {
      ...podman,
      globalArgs: ['--url', 'unix:///a.sock'],
      env: { CONTAINER_HOST: 'unix:///b.sock' },
    };
    expect(engineEndpoint(both).value).toBe('unix:///a.sock');
    const hostAndContext = {
      ...docker,
      globalArgs: ['--context', 'prod'],
      env: { DOCKER_HOST: 'tcp://h:1' },
    };
    expect(engineEndpoint(hostAndContext).value).toBe('tcp://h:1');
    expect(engineEndpoint({ ...podman, env: { CONTAINER_HOST: '  ' } }).remote).toBe(false);
  });

  it("counts docker's default context as local", () => {
    expect(engineEndpoint({ ...docker, env: { DOCKER_CONTEXT: 'default' } }).remote).toBe(false);
    expect(engineEndpoint({ ...docker, globalArgs: ['--context=default'] }).remote).toBe(false);
  });
});

describe('describeEndpoint', () => {
  it('names the address or name and what chose it', () => {
    expect(describeEndpoint(engineEndpoint({ ...podman, env: { CONTAINER_HOST: 'unix:///r.sock' } }))).toBe(
      'unix:///r.sock (CONTAINER_HOST)',
    );
    expect(describeEndpoint(engineEndpoint({ ...docker, globalArgs: ['--context', 'prod'] }))).toBe(
      'the context "prod" (--context)',
    );
    expect(describeEndpoint(engineEndpoint(podman))).toBe('the local engine');
    expect(describeEndpoint(engineEndpoint({ ...podman, globalArgs: ['--remote'] }))).toBe(
      'the default remote socket (--remote)',
    );
  });
});
