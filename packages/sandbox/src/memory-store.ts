import type { MemoryInfo } from '@codexec/frame-protocol';
import { MemoryKey } from '@codexec/frame-protocol';

/**
 * Where the code's memories live (`save_memory`, `load_memory`, ...): outside the container, so they outlive
 * sessions and restarts. `createFileMemoryStore` is the default; an embedder can give its own (a database, a
 * per-user namespace). Values are JSON. Every method may throw `MemoryStoreError`; anything else it throws reaches
 * the code as an `OSError`.
 */
export interface MemoryStore {
  /** The record of a key, or undefined when there is none. */
  get(key: string, options?: MemoryStoreCallOptions): Promise<MemoryRecord | undefined>;
  /** Creates or replaces a key's value; returns what is stored now. */
  set(key: string, value: unknown, options?: MemoryStoreCallOptions): Promise<MemoryInfo>;
  /** True when there was such a key. */
  delete(key: string, options?: MemoryStoreCallOptions): Promise<boolean>;
  /** Every key starting with `prefix`, sorted; unreadable entries are reported, not thrown. */
  list(prefix: string, options?: MemoryStoreCallOptions): Promise<MemoryListing>;
}

export interface MemoryStoreCallOptions {
  signal?: AbortSignal;
}

/** A stored value's key, size and times: the frame protocol's record, as the runtime receives it. */
export type { MemoryInfo };

export interface MemoryRecord extends MemoryInfo {
  value: unknown;
}

export interface MemoryListing {
  memories: MemoryInfo[];
  problems: { key?: string; message: string }[];
}

/**
 * - `INVALID_KEY`: not a name (empty, over 200 characters, `/`, `\`, a control character, `.` or `..`).
 * - `NOT_JSON`: the value has no JSON form (NaN, a cycle, ...).
 * - `TOO_LARGE`: the value is over the per-value cap.
 * - `QUOTA`: storing it would take the store over its total cap.
 * - `NOT_FOUND`: `update` of a key that does not exist.
 * - `CORRUPT`: what is stored for the key cannot be read.
 * - `IO`: the storage failed (disk full, permissions).
 */
export type MemoryStoreErrorCode =
  | 'INVALID_KEY'
  | 'NOT_JSON'
  | 'TOO_LARGE'
  | 'QUOTA'
  | 'NOT_FOUND'
  | 'CORRUPT'
  | 'IO';

export class MemoryStoreError extends Error {
  override readonly name = 'MemoryStoreError';
  readonly code: MemoryStoreErrorCode;

  constructor(code: MemoryStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Throws `INVALID_KEY` unless the key is a name the stores accept (frame-protocol's `MemoryKey`). Pure. */
export function checkMemoryKey(key: unknown): string {
  const parsed = MemoryKey.safeParse(key);
  if (parsed.success) return parsed.data;
  const shown =
    typeof key === 'string' ? JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key) : typeof key;
  throw new MemoryStoreError(
    'INVALID_KEY',
    `Memory key ${shown} is not usable: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
  );
}

/** The value as compact JSON, or `NOT_JSON`. Pure. */
export function memoryJson(key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_name, item: unknown) => {
      if (typeof item === 'number' && !Number.isFinite(item)) throw new Error(`${item} is not JSON`);
      return item;
    });
  } catch (error) {
    throw new MemoryStoreError(
      'NOT_JSON',
      `The value of memory ${JSON.stringify(key)} is not JSON: ${String(error)}`,
    );
  }
  if (text === undefined) {
    throw new MemoryStoreError('NOT_JSON', `The value of memory ${JSON.stringify(key)} is not JSON`);
  }
  return text;
}

/** `update` of an object with an object merges its keys; anything else replaces. Pure. */
export function updatedValue(stored: unknown, given: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  return isObject(stored) && isObject(given) ? { ...stored, ...given } : given;
}
