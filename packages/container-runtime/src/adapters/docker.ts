import { saysNoSuchImage } from '../engine-errors.js';
import { parseDockerAddress, parseDockerContainers, parseDockerInfo } from '../engine-output.js';
import { PROXY_VARIABLES } from '../hardened-args.js';
import type { ContainerRuntime } from '../runtime.js';
import { type CliRuntimeOptions, createCliRuntime, type EngineDialect } from './cli.js';

export type DockerRuntimeOptions = CliRuntimeOptions;

const docker: EngineDialect = {
  engine: 'docker',
  // `{{json .}}` rather than `json`: older clients know only templates.
  infoArgs: ['info', '--format', '{{json .}}'],
  parseInfo: parseDockerInfo,
  // `docker info` does not say where the daemon is; the context in use does (DOCKER_HOST and --host included).
  addressArgs: ['context', 'inspect', '--format', '{{json .Endpoints.docker.Host}}'],
  parseAddress: parseDockerAddress,
  imageExistsArgs: (image) => ['image', 'inspect', '--format', '{{.Id}}', image],
  isImageAbsent: (exitCode, stderr) => exitCode === 1 && saysNoSuchImage(stderr),
  listArgs: (filters) => [
    'ps',
    '--all',
    '--no-trunc',
    '--format',
    '{{json .}}',
    ...filters.flatMap((f) => ['--filter', f]),
  ],
  parseList: parseDockerContainers,
  // docker's `rm --force` sends SIGKILL at once.
  removeArgs: (names) => ['rm', '--force', ...names],
  runClientUnset: PROXY_VARIABLES,
  preservesFds: false,
};

/** A `ContainerRuntime` over the docker CLI (Docker Engine, Docker Desktop, rootless; DOCKER_HOST/contexts work). */
export function createDockerRuntime(options: DockerRuntimeOptions = {}): ContainerRuntime {
  return createCliRuntime(docker, options);
}
