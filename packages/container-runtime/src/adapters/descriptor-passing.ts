import { engineEndpoint } from '../endpoint.js';
import type { EngineDialect } from './cli.js';

export interface DescriptorPassingInput {
  dialect: Pick<EngineDialect, 'engine' | 'preservesFds'>;
  /** The CLI binary: a name on PATH or a path. */
  command: string;
  globalArgs: readonly string[];
  /** The environment the CLI runs with. */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
}

/**
 * Whether containers can be given a descriptor: the engine can, on Linux (elsewhere podman is a client of a
 * machine), and nothing makes this client remote (`--url`, `--connection`, `--remote`, CONTAINER_HOST,
 * CONTAINER_CONNECTION, a `podman-remote` binary: see `engineEndpoint`). Pure; an engine that says it is remote
 * when asked (`EngineInfo.remote`, from a config file) turns it off too.
 */
export function passesDescriptors(input: DescriptorPassingInput): boolean {
  if (!input.dialect.preservesFds || input.platform !== 'linux') return false;
  return !engineEndpoint({ ...input, engine: input.dialect.engine }).remote;
}
