import type { EngineDialect } from './cli.js';

export interface DescriptorPassingInput {
  dialect: Pick<EngineDialect, 'preservesFds'>;
  /** The CLI binary: a name on PATH or a path. */
  command: string;
  globalArgs: readonly string[];
  /** The environment the CLI runs with. */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
}

const REMOTE_FLAGS = /^(--url|--connection|--remote|--identity|-r|-c)(=|$)/;

/**
 * Whether containers can be given a descriptor: the engine can, on Linux (elsewhere podman is a client of a
 * machine), and nothing makes this client remote (`--url`, `--connection`, `--remote`, CONTAINER_HOST,
 * CONTAINER_CONNECTION, a `podman-remote` binary). Pure.
 */
export function passesDescriptors(input: DescriptorPassingInput): boolean {
  if (!input.dialect.preservesFds || input.platform !== 'linux') return false;
  if (/remote(\.exe)?$/i.test(input.command)) return false;
  if (input.globalArgs.some((arg) => REMOTE_FLAGS.test(arg))) return false;
  return !input.env.CONTAINER_HOST && !input.env.CONTAINER_CONNECTION;
}
