import { describe, expect, it } from 'vitest';
import {
  classifyStartFailure,
  engineNotResponding,
  pullFailed,
  runtimeNotFound,
  saysEngineUnreachable,
  saysNoSuchContainer,
  unknownOciRuntime,
} from './engine-errors.js';

/** Messages recorded from podman 4.3.1 and docker 20.10 / client 28 on this kind of machine. */
const recorded = {
  podmanNoImage: 'Error: localhost/nope:1: image not known\n',
  dockerNoImage:
    "docker: Error response from daemon: No such image: localhost/nope:1\n\nRun 'docker run --help' for more information\n",
  podmanUnknownRuntime: 'Error: default OCI runtime "nosuchrt" not found: invalid argument\n',
  podmanCrunMissing: 'Error: default OCI runtime "crun" not found: invalid argument\n',
  podmanRuntimePath: 'Error: no valid executable found for OCI runtime /usr/bin/nosuch: invalid argument\n',
  dockerUnknownRuntime:
    "docker: Error response from daemon: Unknown runtime specified nosuchrt\n\nRun 'docker run --help' for more information\n",
  dockerUnknownRuntimeNew: 'docker: Error response from daemon: unknown or invalid runtime name: runsc\n',
  podmanRlimit:
    'Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied\n',
  crunHybrid:
    'Error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: OCI runtime error\n',
  podmanNoCommand:
    'Error: runc: runc create failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found\n',
  dockerNoCommand:
    'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown.\n',
  dockerCpus:
    'docker: Error response from daemon: Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available.\n',
  dockerDown:
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
  dockerDenied:
    'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info": dial unix /var/run/docker.sock: connect: permission denied\n',
  podmanRemoteDown:
    'Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM\nError: unable to connect to Podman socket: Get "http://d/v4.3.1/libpod/_ping": dial unix /tmp/nope.sock: connect: no such file or directory\n',
  podmanPullRefused:
    'Trying to pull localhost/nope:1...\nError: initializing source docker://localhost/nope:1: pinging container registry localhost: Get "https://localhost/v2/": dial tcp 127.0.0.1:443: connect: connection refused\n',
  dockerPullNoHost:
    'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host\n',
  podmanShortName:
    'Error: short-name "nope" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"\n',
};

const start = (engine: 'podman' | 'docker', exitCode: number | null, stderr: string, ociRuntime?: string) =>
  classifyStartFailure({ engine, exitCode, stderr, image: 'localhost/nope:1', ociRuntime });

describe('classifyStartFailure', () => {
  it.each([
    ['podman', 125, recorded.podmanNoImage, 'IMAGE_MISSING'],
    ['docker', 125, recorded.dockerNoImage, 'IMAGE_MISSING'],
    ['podman', 125, recorded.podmanUnknownRuntime, 'OCI_RUNTIME_MISSING'],
    ['podman', 125, recorded.podmanCrunMissing, 'OCI_RUNTIME_MISSING'],
    ['podman', 125, recorded.podmanRuntimePath, 'OCI_RUNTIME_MISSING'],
    ['docker', 125, recorded.dockerUnknownRuntime, 'OCI_RUNTIME_MISSING'],
    ['docker', 125, recorded.dockerUnknownRuntimeNew, 'OCI_RUNTIME_MISSING'],
    ['podman', 125, recorded.podmanRlimit, 'CONTAINER_START_FAILED'],
    ['podman', 125, recorded.crunHybrid, 'CONTAINER_START_FAILED'],
    ['podman', 127, recorded.podmanNoCommand, 'CONTAINER_START_FAILED'],
    ['docker', 127, recorded.dockerNoCommand, 'CONTAINER_START_FAILED'],
    ['docker', 125, recorded.dockerCpus, 'CONTAINER_START_FAILED'],
    ['docker', 125, recorded.dockerDown, 'ENGINE_NOT_RESPONDING'],
  ] as const)('%s exit %d: %j is %s', (engine, code, stderr, expected) => {
    const error = start(engine, code, stderr);
    expect(error?.code).toBe(expected);
    expect(error?.engine).toBe(engine);
    expect(error?.stderr).toBeTruthy();
  });

  it.each([
    [0, ''],
    [1, 'Traceback (most recent call last):\nZeroDivisionError'],
    [137, ''],
    [127, 'my program chose 127'],
    [null, ''],
  ])('the program’s own exit %s is no start failure', (code, stderr) => {
    expect(start('podman', code, stderr)).toBeUndefined();
  });

  it('gives advice for each kind', () => {
    expect(start('podman', 125, recorded.podmanNoImage)?.message).toMatch(
      /podman pull localhost\/nope:1.*set the `image`/s,
    );
    expect(start('podman', 125, recorded.podmanUnknownRuntime, 'nosuchrt')?.message).toMatch(
      /"nosuchrt".*`limits\.ociRuntime`/s,
    );
    expect(start('docker', 125, recorded.dockerUnknownRuntime, 'nosuchrt')?.message).toMatch(/daemon\.json/);
    expect(start('podman', 125, recorded.podmanRlimit)?.message).toMatch(/`limits\.nofile`/);
    expect(start('podman', 125, recorded.crunHybrid)?.message).toMatch(/set `limits\.ociRuntime` to runc/);
    expect(start('podman', 127, recorded.podmanNoCommand)?.message).toMatch(
      /set the `image` to a Python image/,
    );
    expect(start('docker', 125, recorded.dockerCpus)?.message).toMatch(/`limits\.cpus`/);
  });
});

describe('unknownOciRuntime', () => {
  it.each([
    [recorded.podmanUnknownRuntime, 'nosuchrt'],
    [recorded.podmanRuntimePath, '/usr/bin/nosuch'],
    [recorded.dockerUnknownRuntime, 'nosuchrt'],
    [recorded.dockerUnknownRuntimeNew, 'runsc'],
    [recorded.podmanNoCommand, undefined],
    [recorded.dockerNoCommand, undefined],
    [recorded.podmanNoImage, undefined],
  ])('%j → %s', (stderr, name) => {
    expect(unknownOciRuntime(stderr)).toBe(name);
  });
});

describe('engine reachability', () => {
  it.each([
    [recorded.dockerDown, true],
    [recorded.dockerDenied, true],
    [recorded.podmanRemoteDown, true],
    [recorded.podmanPullRefused, false],
    [recorded.podmanNoImage, false],
  ])('%j unreachable: %s', (stderr, expected) => {
    expect(saysEngineUnreachable(stderr)).toBe(expected);
  });

  it('advises per engine, platform and message', () => {
    const docker = engineNotResponding({
      engine: 'docker',
      command: 'docker',
      stderr: recorded.dockerDown,
      platform: 'linux',
    });
    expect(docker.code).toBe('ENGINE_NOT_RESPONDING');
    expect(docker.message).toMatch(/Cannot connect.*systemctl start docker/s);
    expect(
      engineNotResponding({
        engine: 'docker',
        command: 'docker',
        stderr: recorded.dockerDenied,
        platform: 'linux',
      }).message,
    ).toMatch(/"docker" group/);
    expect(engineNotResponding({ engine: 'docker', command: 'docker', platform: 'darwin' }).message).toMatch(
      /Docker Desktop/,
    );
    expect(
      engineNotResponding({
        engine: 'podman',
        command: 'podman',
        stderr: recorded.podmanRemoteDown,
        platform: 'darwin',
      }).message,
    ).toMatch(/podman machine start/);
    expect(
      engineNotResponding({ engine: 'podman', command: 'podman', timedOutAfterMs: 2500, platform: 'linux' })
        .message,
    ).toMatch(/did not answer within 2\.5 s/);
  });

  it('recognises a container that is gone', () => {
    expect(saysNoSuchContainer('Error response from daemon: No such container: codexec-x')).toBe(true);
    expect(
      saysNoSuchContainer('Error: no container with name or ID "codexec-x" found: no such container'),
    ).toBe(true);
    expect(saysNoSuchContainer('Error: something else')).toBe(false);
  });
});

describe('other errors', () => {
  it('RUNTIME_NOT_FOUND says how to get one', () => {
    const error = runtimeNotFound(['podman', 'docker']);
    expect(error.code).toBe('RUNTIME_NOT_FOUND');
    expect(error.message).toMatch(
      /^No container runtime found: install podman or docker, or set the `runtime` to the path of one \(tried: podman, docker\)\.$/,
    );
  });

  it.each([
    [recorded.podmanPullRefused, /network/],
    [recorded.dockerPullNoHost, /network/],
    [recorded.podmanShortName, /fully qualified/],
    ['Error response from daemon: manifest unknown', /name and tag/],
  ])('PULL_FAILED for %j advises %s', (stderr, advice) => {
    const error = pullFailed({ engine: 'podman', image: 'x', stderr });
    expect(error.code).toBe('PULL_FAILED');
    expect(error.message).toMatch(advice);
    expect(error.message).toMatch(/set the `image`/);
  });
});
