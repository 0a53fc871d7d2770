import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseDockerAddress,
  parseDockerContainers,
  parseDockerInfo,
  parseDockerLabels,
  parsePodmanContainers,
  parsePodmanInfo,
} from './engine-output.js';
import { ContainerRuntimeError } from './errors.js';

/** Outputs recorded from podman 4.3.1 and Docker Engine 20.10 (client 28) on Debian 12; rootless ones edited. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseDockerAddress', () => {
  it('reads the host of the context in use, and nothing from anything else', () => {
    expect(parseDockerAddress('"tcp://127.0.0.1:2375"\n')).toBe('tcp://127.0.0.1:2375');
    expect(parseDockerAddress('"unix:///var/run/docker.sock"')).toBe('unix:///var/run/docker.sock');
    expect(parseDockerAddress('""')).toBeUndefined();
    expect(parseDockerAddress('template: no such field')).toBeUndefined();
  });
});

describe('parsePodmanInfo', () => {
  it('reads a rootful podman', () => {
    expect(parsePodmanInfo(fixture('podman-info-rootful.json'))).toEqual({
      engine: 'podman',
      command: 'podman',
      version: '4.3.1',
      rootless: false,
      ociRuntimes: ['runc'],
      defaultOciRuntime: 'runc',
      cgroupVersion: '1',
      cgroupControllers: ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'pids'],
      remote: false,
    });
  });

  it('reads a remote client: the service says it is remote, and where it was reached', () => {
    expect(parsePodmanInfo(fixture('podman-info-remote.json'))).toMatchObject({
      rootless: false,
      remote: true,
      address: 'unix:///run/codexec-remote/podman.sock',
    });
  });

  it('reads a rootless podman on cgroups v1: no controllers for its containers', () => {
    expect(parsePodmanInfo(fixture('podman-info-rootless-cgroups-v1.json'))).toMatchObject({
      rootless: true,
      cgroupVersion: '1',
      cgroupControllers: [],
    });
  });

  it('reads a rootless podman with crun on cgroups v2', () => {
    expect(parsePodmanInfo(fixture('podman-info-rootless.json'), '/usr/bin/podman')).toMatchObject({
      command: '/usr/bin/podman',
      rootless: true,
      ociRuntimes: ['crun'],
      defaultOciRuntime: 'crun',
      cgroupVersion: '2',
    });
  });

  it('says when the output is not JSON', () => {
    expect(() => parsePodmanInfo('Error: something')).toThrow(ContainerRuntimeError);
  });
});

describe('parseDockerInfo', () => {
  it('reads a rootful Docker Engine', () => {
    expect(parseDockerInfo(fixture('docker-info-rootful.json'))).toEqual({
      engine: 'docker',
      command: 'docker',
      version: '20.10.24+dfsg1',
      rootless: false,
      ociRuntimes: ['runc'],
      defaultOciRuntime: 'runc',
      cgroupVersion: '1',
      cgroupControllers: ['memory', 'pids', 'cpu'],
    });
  });

  it('reads a rootless Docker with gVisor registered', () => {
    expect(parseDockerInfo(fixture('docker-info-rootless.json'))).toMatchObject({
      version: '27.3.1',
      rootless: true,
      ociRuntimes: ['runc', 'runsc'],
      cgroupVersion: '2',
    });
  });

  it('treats the JSON the client prints for a stopped daemon as an engine that does not answer', () => {
    let error: unknown;
    try {
      parseDockerInfo(fixture('docker-info-daemon-down.json'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContainerRuntimeError);
    expect((error as ContainerRuntimeError).code).toBe('ENGINE_NOT_RESPONDING');
    expect((error as ContainerRuntimeError).message).toMatch(/Start it/);
  });

  it('reads ServerErrors when the client reports them', () => {
    const text = JSON.stringify({ ServerErrors: ['permission denied while trying to connect'] });
    expect(() => parseDockerInfo(text)).toThrow(/permission denied/);
  });
});

describe('parsePodmanContainers', () => {
  it('reads the JSON array, labels as an object, names as an array', () => {
    const list = parsePodmanContainers(fixture('podman-ps.json'));
    expect(list.map((c) => c.name).sort()).toEqual([
      'codexec-fixture-a',
      'codexec-fixture-b',
      'codexec-fixture-c',
    ]);
    const a = list.find((c) => c.name === 'codexec-fixture-a')!;
    expect(a).toMatchObject({
      state: 'running',
      image: 'localhost/codexec-python:bookworm',
      labels: { 'codexec.instance': 'fixture', 'codexec.managed': 'true', note: 'a,b=c' },
    });
    expect(a.id).toMatch(/^[0-9a-f]{64}$/);
    expect(list.find((c) => c.name === 'codexec-fixture-b')!.state).toBe('created');
    expect(list.find((c) => c.name === 'codexec-fixture-c')!.labels).toEqual({});
  });

  it('reads an empty list', () => {
    expect(parsePodmanContainers(fixture('podman-ps-empty.json'))).toEqual([]);
    expect(parsePodmanContainers('')).toEqual([]);
  });
});

describe('parseDockerContainers', () => {
  it('reads one object per line, labels as a k=v,k=v string', () => {
    const list = parseDockerContainers(fixture('docker-ps.jsonl'));
    expect(list.map((c) => c.name)).toEqual(['codexec-fixture-c', 'codexec-fixture-b', 'codexec-fixture-a']);
    expect(list[1]).toMatchObject({
      state: 'created',
      labels: { 'codexec.instance': 'fixture', 'codexec.managed': 'true' },
    });
    expect(list[2]!.state).toBe('running');
    expect(list[2]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(list[0]!.labels).toEqual({});
  });

  it('reads an empty output', () => {
    expect(parseDockerContainers(fixture('docker-ps-empty.jsonl'))).toEqual([]);
  });

  it('takes the first of several names', () => {
    const line = JSON.stringify({ ID: 'x', Names: 'codexec-a,other/alias', Labels: '', State: 'exited' });
    expect(parseDockerContainers(line)[0]!.name).toBe('codexec-a');
  });
});

describe('parseDockerLabels', () => {
  it.each([
    ['', {}],
    ['a=1', { a: '1' }],
    ['a=1,b=2', { a: '1', b: '2' }],
    ['a=,b=2', { a: '', b: '2' }],
    ['a=x=y', { a: 'x=y' }],
    ['msg=hello, world,b=2', { msg: 'hello, world', b: '2' }],
    // Ambiguous without escaping: a part with "=" starts a new label.
    ['note=a,b=c', { note: 'a', b: 'c' }],
  ])('%j', (text, labels) => {
    expect(parseDockerLabels(text)).toEqual(labels);
  });
});
