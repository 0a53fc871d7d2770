import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerInfo, parsePodmanInfo } from './engine-output.js';
import { limitSupport } from './limit-support.js';
import type { EngineInfo } from './runtime.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const base: EngineInfo = {
  engine: 'podman',
  command: 'podman',
  version: '5.2.0',
  rootless: true,
  ociRuntimes: ['crun'],
  cgroupVersion: '2',
};

describe('limitSupport', () => {
  it('rootful podman and docker on cgroups v1 (this machine) apply every limit', () => {
    for (const info of [
      parsePodmanInfo(fixture('podman-info-rootful.json')),
      parseDockerInfo(fixture('docker-info-rootful.json')),
    ]) {
      expect(limitSupport(info)).toEqual({ cgroups: { memory: true, pids: true, cpus: true } });
    }
  });

  it('rootless podman on cgroups v1 applies none, and says how to change that', () => {
    const support = limitSupport(parsePodmanInfo(fixture('podman-info-rootless-cgroups-v1.json')));
    expect(support.cgroups).toEqual({ memory: false, pids: false, cpus: false });
    expect(support.reason).toBe('rootless podman cannot apply cgroup limits on cgroups v1');
    expect(support.fix).toMatch(
      /cgroups v2.*delegate the memory, pids and cpu controllers.*or run podman rootful/,
    );
  });

  it('a rootless engine on cgroups v1 applies none even when it lists controllers', () => {
    const info = { ...base, cgroupVersion: '1', cgroupControllers: ['memory', 'pids', 'cpu'] };
    expect(limitSupport(info).cgroups).toEqual({ memory: false, pids: false, cpus: false });
  });

  it('rootless on cgroups v2 applies what is delegated and names what is not', () => {
    const support = limitSupport({ ...base, cgroupControllers: ['memory', 'pids'] });
    expect(support.cgroups).toEqual({ memory: true, pids: true, cpus: false });
    expect(support.reason).toBe('the cpu cgroup controller is not delegated to the user podman runs as');
    expect(support.fix).toMatch(/Delegate=memory pids cpu/);
  });

  it('rootless docker on cgroups v2 with full support applies every limit', () => {
    expect(limitSupport(parseDockerInfo(fixture('docker-info-rootless.json'))).cgroups).toEqual({
      memory: true,
      pids: true,
      cpus: true,
    });
  });

  it('a docker daemon without memory support says so', () => {
    const info: EngineInfo = {
      ...base,
      engine: 'docker',
      rootless: false,
      cgroupControllers: ['pids', 'cpu'],
    };
    const support = limitSupport(info);
    expect(support.cgroups.memory).toBe(false);
    expect(support.reason).toBe('docker reports no support for the memory cgroup controller');
  });

  it('an engine that lists nothing is taken at its word for rootful use', () => {
    expect(limitSupport({ ...base, rootless: false, cgroupControllers: undefined }).cgroups).toEqual({
      memory: true,
      pids: true,
      cpus: true,
    });
  });
});
