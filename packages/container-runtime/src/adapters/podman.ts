import { parsePodmanContainers, parsePodmanInfo } from '../engine-output.js';
import type { ContainerRuntime } from '../runtime.js';
import { type CliRuntimeOptions, createCliRuntime, type EngineDialect } from './cli.js';

export type PodmanRuntimeOptions = CliRuntimeOptions;

const podman: EngineDialect = {
  engine: 'podman',
  infoArgs: ['info', '--format', 'json'],
  parseInfo: parsePodmanInfo,
  imageExistsArgs: (image) => ['image', 'exists', image],
  // `podman image exists` exits 1 for "not there" and 125 for an engine failure.
  isImageAbsent: (exitCode) => exitCode === 1,
  listArgs: (filters) => ['ps', '--all', '--format', 'json', ...filters.flatMap((f) => ['--filter', f])],
  parseList: parsePodmanContainers,
  // Without `--time 0` podman first sends SIGTERM and waits 10 s; PID 1 without a handler ignores SIGTERM.
  removeArgs: (names) => ['rm', '--force', '--time', '0', ...names],
  // `--http-proxy=false` keeps podman from copying proxy variables; its client keeps its own environment.
  runClientUnset: [],
  preservesFds: true,
};

/** A `ContainerRuntime` over the podman CLI (rootful or rootless, local or remote through `--url`/CONTAINER_HOST). */
export function createPodmanRuntime(options: PodmanRuntimeOptions = {}): ContainerRuntime {
  return createCliRuntime(podman, options);
}
