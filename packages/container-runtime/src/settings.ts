import { invalidOption } from './errors.js';
import type { ContainerLimits } from './runtime.js';

/**
 * The hardened defaults. Memory and pids follow the original bridge; nofile/nproc are explicit because rootful
 * podman's defaults can exceed the host's hard limits (the container then fails to start), and because an explicit
 * bound is good hygiene. RLIMIT_NPROC counts every process of the uid on the host (all containers running as
 * 65534 share it), so it is set well above one container's pids limit: the pids limit is the per-container bound.
 */
export const DEFAULT_LIMITS: Readonly<ContainerLimits> = Object.freeze({
  memory: '512m',
  pids: 128,
  cpus: undefined,
  user: '65534:65534',
  nofile: 1024,
  nproc: 1024,
  tmpSize: '64m',
  workspaceSize: '64m',
  ociRuntime: undefined,
});

/** The image the original bridge uses, fully qualified so podman never has to resolve a short name. */
export const DEFAULT_IMAGE = 'docker.io/library/python:3.12-slim';

const MIB = 1024 * 1024;
const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, m: MIB, g: 1024 * MIB };

/** Bytes of a size in engine syntax (`512m`, `1.5g`, `1048576`), or undefined when it is not one. */
export function parseSize(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([bkmg]?)$/i.exec(raw.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * UNIT[match[2]!.toLowerCase()]!);
}

type Check<T> = (raw: string) => T;

/** Each check returns the normalised value or throws the text of what was expected. */
const checks: { [K in keyof ContainerLimits]-?: Check<NonNullable<ContainerLimits[K]>> } = {
  memory: (raw) => {
    const bytes = parseSize(raw);
    // Docker refuses less than 6 MiB; Python needs far more anyway.
    if (bytes === undefined || bytes < 6 * MIB) throw 'a size of at least 6m such as 512m or 1g';
    return raw.trim().toLowerCase();
  },
  pids: integer(1, 1_000_000),
  cpus: (raw) => {
    const value = raw.trim();
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0)
      throw 'a positive number of CPUs such as 1 or 1.5';
    return value;
  },
  user: (raw) => {
    const value = raw.trim();
    if (!/^(\d+|[a-z_][a-z0-9_-]*)(:(\d+|[a-z_][a-z0-9_-]*))?$/i.test(value))
      throw 'uid:gid such as 65534:65534 (numbers, or names known to the image)';
    return value;
  },
  nofile: integer(16, 1_048_576),
  nproc: integer(8, 4_194_304),
  tmpSize: tmpfsSize,
  workspaceSize: tmpfsSize,
  ociRuntime: (raw) => {
    const value = raw.trim();
    if (!/^[\w./][\w./-]*$/.test(value)) throw 'an OCI runtime name or path such as runc, crun or runsc';
    return value;
  },
};

function integer(min: number, max: number): Check<number> {
  return (raw) => {
    const value = raw.trim();
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw `a whole number from ${min} to ${max}`;
    return n;
  };
}

function tmpfsSize(raw: string): string {
  const value = raw.trim().toLowerCase();
  // Passed to the kernel's tmpfs `size=` option, which takes whole numbers with an optional k/m/g suffix.
  const bytes = /^\d+[kmg]?$/.test(value) ? parseSize(value) : undefined;
  if (bytes === undefined || bytes < MIB)
    throw 'a size of at least 1m such as 64m (whole number, k/m/g suffix)';
  return value;
}

/**
 * Checks and normalises every limit. `source` names where each value came from in error messages: the option
 * path by default (`limits.memory`), or a variable name.
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` for the first value that cannot be used.
 */
export function validateLimits(
  limits: ContainerLimits,
  source: (key: keyof ContainerLimits) => string = (key) => `limits.${key}`,
): ContainerLimits {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(checks) as (keyof ContainerLimits)[]) {
    const value = limits[key];
    if (value === undefined) {
      if (key !== 'cpus' && key !== 'ociRuntime') throw invalidOption(source(key), 'undefined', 'a value');
      out[key] = undefined;
      continue;
    }
    out[key] = checkLimit(key, String(value), source(key));
  }
  return out as unknown as ContainerLimits;
}

/**
 * Checks and normalises one limit given as text (`512m`, `128`, `1.5`), the way `validateLimits` checks it, for
 * callers that read limits from their own settings and want their names in the message.
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` naming `setting` (default `limits.<key>`).
 */
export function checkLimit<K extends keyof ContainerLimits>(
  key: K,
  raw: string,
  setting: string = `limits.${key}`,
): NonNullable<ContainerLimits[K]> {
  try {
    return checks[key](raw) as NonNullable<ContainerLimits[K]>;
  } catch (expected) {
    if (typeof expected !== 'string') throw expected;
    throw invalidOption(setting, raw, expected);
  }
}

/**
 * Checks an image reference: no spaces, and nothing an engine would read as an option. Returns it trimmed.
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` naming `setting`.
 */
export function validateImage(image: string, setting = 'image'): string {
  const value = image.trim();
  if (!/^[a-z0-9][\w.\-/:@]*$/i.test(value)) {
    throw invalidOption(setting, image, 'an image reference such as docker.io/library/python:3.12-slim');
  }
  return value;
}
