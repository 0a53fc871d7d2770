import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import {
  checkMemoryKey,
  type MemoryInfo,
  type MemoryListing,
  type MemoryRecord,
  type MemoryStore,
  MemoryStoreError,
  memoryJson,
} from './memory-store.js';

export interface FileMemoryStoreOptions {
  /** The directory of this store (one per project); made on the first write. */
  dir: string;
  /** Largest value, in bytes of UTF-8 JSON. @default 1 MiB */
  maxValueBytes?: number;
  /** Largest total of every value. @default 64 MiB */
  maxTotalBytes?: number;
}

export const DEFAULT_MAX_MEMORY_VALUE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_MEMORY_TOTAL_BYTES = 64 * 1024 * 1024;

const SUFFIX = '.json';

interface StoredFile {
  key: string;
  value: unknown;
  created: string;
  updated: string;
}

function fileName(key: string): string {
  // Keys are names of any characters; file names are their hash, and the key is kept inside the file.
  return `${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 40)}${SUFFIX}`;
}

function ioError(what: string, error: unknown): MemoryStoreError {
  const code = (error as NodeJS.ErrnoException).code;
  return new MemoryStoreError('IO', `The memory store could not ${what} (${code ?? String(error)})`, {
    cause: error,
  });
}

/**
 * A memory store of one JSON file per key in a directory. Writes are atomic (a temporary file, fsync, rename), so
 * two processes writing the same store never leave a torn file: the last rename wins. A file that cannot be read is
 * reported as `CORRUPT` for its key, and listed as a problem; every other key stays readable. The caps are checked
 * before anything is written, so a refused write changes nothing (two processes writing at once can each pass the
 * total cap's check; the store then ends over it by at most one value).
 * Its methods throw `MemoryStoreError` (`INVALID_KEY`, `NOT_JSON`, `TOO_LARGE`, `QUOTA`, `CORRUPT`, `IO`).
 */
export function createFileMemoryStore(options: FileMemoryStoreOptions): MemoryStore {
  const { dir } = options;
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_MEMORY_VALUE_BYTES;
  const maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_MEMORY_TOTAL_BYTES;

  const readStored = async (file: string): Promise<StoredFile | undefined> => {
    const read = await readJsonFile(dir, file, {
      unreadable: (error) => ioError(`read ${file}`, error),
      notJson: (error) =>
        new MemoryStoreError(
          'CORRUPT',
          `The stored file ${join(dir, file)} is not valid JSON: ${String(error)}`,
        ),
    });
    if (!read) return undefined;
    const parsed = read.json;
    const stored = parsed as Partial<StoredFile>;
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof stored.key !== 'string' ||
      !('value' in stored) ||
      typeof stored.created !== 'string' ||
      typeof stored.updated !== 'string'
    ) {
      throw new MemoryStoreError('CORRUPT', `The stored file ${join(dir, file)} is not a memory record`);
    }
    return stored as StoredFile;
  };

  const infoOf = (stored: StoredFile): MemoryInfo => ({
    key: stored.key,
    size: Buffer.byteLength(JSON.stringify(stored.value), 'utf8'),
    created: stored.created,
    updated: stored.updated,
  });

  const files = async (): Promise<string[]> => {
    try {
      return (await readdir(dir)).filter((name) => name.endsWith(SUFFIX));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(`list ${dir}`, error);
    }
  };

  const get = async (key: string): Promise<MemoryRecord | undefined> => {
    checkMemoryKey(key);
    let stored: StoredFile | undefined;
    try {
      stored = await readStored(fileName(key));
    } catch (error) {
      if (error instanceof MemoryStoreError && error.code === 'CORRUPT') {
        throw new MemoryStoreError(
          'CORRUPT',
          `Memory ${JSON.stringify(key)} cannot be read: ${error.message}`,
        );
      }
      throw error;
    }
    if (!stored) return undefined;
    if (stored.key !== key) {
      throw new MemoryStoreError(
        'CORRUPT',
        `The stored file of memory ${JSON.stringify(key)} holds another key`,
      );
    }
    return { ...infoOf(stored), value: stored.value };
  };

  const totalBytesExcept = async (skip: string): Promise<number> => {
    let total = 0;
    for (const file of await files()) {
      if (file === skip) continue;
      try {
        // The file's size bounds its value's size closely enough for a quota.
        total += (await stat(join(dir, file))).size;
      } catch {
        // Removed meanwhile.
      }
    }
    return total;
  };

  const set = async (key: string, value: unknown): Promise<MemoryInfo> => {
    checkMemoryKey(key);
    const json = memoryJson(key, value);
    const size = Buffer.byteLength(json, 'utf8');
    if (size > maxValueBytes) {
      throw new MemoryStoreError(
        'TOO_LARGE',
        `The value of memory ${JSON.stringify(key)} is ${size} bytes of JSON, over the limit of ${maxValueBytes}; store less (or split it over several keys)`,
      );
    }
    const name = fileName(key);
    let previous: StoredFile | undefined;
    try {
      previous = await readStored(name);
    } catch (error) {
      if (!(error instanceof MemoryStoreError && error.code === 'CORRUPT')) throw error;
      // A corrupt record is replaced by the new one.
    }
    const now = new Date().toISOString();
    const record: StoredFile = {
      key,
      value: JSON.parse(json),
      created: previous?.created ?? now,
      updated: now,
    };
    const text = JSON.stringify(record);
    const total = (await totalBytesExcept(name)) + Buffer.byteLength(text, 'utf8');
    if (total > maxTotalBytes) {
      throw new MemoryStoreError(
        'QUOTA',
        `Storing memory ${JSON.stringify(key)} would take the project's memories to ${total} bytes, over the limit of ${maxTotalBytes}; delete memories you no longer need`,
      );
    }
    try {
      await writeFileAtomic(dir, name, text);
    } catch (error) {
      throw ioError(`write memory ${JSON.stringify(key)}`, error);
    }
    return infoOf(record);
  };

  const remove = async (key: string): Promise<boolean> => {
    checkMemoryKey(key);
    try {
      await rm(join(dir, fileName(key)));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError(`delete memory ${JSON.stringify(key)}`, error);
    }
  };

  const list = async (prefix: string): Promise<MemoryListing> => {
    const memories: MemoryInfo[] = [];
    const problems: MemoryListing['problems'] = [];
    for (const file of await files()) {
      try {
        const stored = await readStored(file);
        if (stored?.key.startsWith(prefix)) memories.push(infoOf(stored));
      } catch (error) {
        problems.push({ message: error instanceof Error ? error.message : String(error) });
      }
    }
    memories.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { memories, problems };
  };

  return { get, set, delete: remove, list };
}
