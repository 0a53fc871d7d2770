import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { checkSkillName, type SkillRecord, type SkillStore, SkillStoreError } from './skill-store.js';

export interface FileSkillStoreOptions {
  /** The directory of this store (one per project); made on the first save. */
  dir: string;
  logger?: Logger;
}

const SUFFIX = '.json';

function ioError(what: string, error: unknown): SkillStoreError {
  const code = (error as NodeJS.ErrnoException).code;
  return new SkillStoreError('IO', `The saved tools could not ${what} (${code ?? String(error)})`, {
    cause: error,
  });
}

function isRecord(value: unknown): value is SkillRecord {
  const r = value as Partial<SkillRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.name === 'string' &&
    typeof r.source === 'string' &&
    typeof r.async === 'boolean' &&
    Array.isArray(r.uses) &&
    typeof r.created === 'string' &&
    typeof r.updated === 'string'
  );
}

/**
 * Saved tools as one JSON file each (`<name>.json`) in a directory, written atomically (temporary file, fsync,
 * rename). `list` is read on every run, so it is cached and read again only when the directory changed (a save,
 * a delete or a stale mark by any process renames a file into it, which changes its modification time).
 */
export function createFileSkillStore(options: FileSkillStoreOptions): SkillStore {
  const { dir } = options;
  const logger = options.logger ?? silentLogger;
  let cache: { mtimeMs: number; records: SkillRecord[] } | undefined;

  const readRecord = async (file: string): Promise<SkillRecord | undefined> => {
    const read = await readJsonFile(dir, file, {
      unreadable: (error) => ioError(`read ${file}`, error),
      notJson: () =>
        new SkillStoreError('CORRUPT', `The saved tool file ${join(dir, file)} is not valid JSON`),
    });
    if (!read) return undefined;
    const parsed = read.json;
    if (!isRecord(parsed) || `${parsed.name}${SUFFIX}` !== file) {
      throw new SkillStoreError('CORRUPT', `The saved tool file ${join(dir, file)} is not a saved tool`);
    }
    return parsed;
  };

  const write = async (record: SkillRecord): Promise<void> => {
    try {
      await writeFileAtomic(dir, `${record.name}${SUFFIX}`, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      throw ioError(`save ${record.name}`, error);
    }
    cache = undefined;
  };

  const list = async (): Promise<SkillRecord[]> => {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(dir)).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(`read ${dir}`, error);
    }
    if (cache && cache.mtimeMs === mtimeMs) return cache.records;
    let files: string[];
    try {
      files = (await readdir(dir)).filter((name) => name.endsWith(SUFFIX)).sort();
    } catch (error) {
      throw ioError(`list ${dir}`, error);
    }
    const records: SkillRecord[] = [];
    for (const file of files) {
      try {
        const record = await readRecord(file);
        if (record) records.push(record);
      } catch (error) {
        logger.warn('a saved tool could not be read and is left out', { file, error: String(error) });
      }
    }
    cache = { mtimeMs, records };
    return records;
  };

  const get = async (name: string): Promise<SkillRecord | undefined> =>
    readRecord(`${checkSkillName(name)}${SUFFIX}`);

  const save = async (record: SkillRecord): Promise<SkillRecord> => {
    checkSkillName(record.name);
    let previous: SkillRecord | undefined;
    try {
      previous = await get(record.name);
    } catch (error) {
      if (!(error instanceof SkillStoreError && error.code === 'CORRUPT')) throw error;
    }
    const saved = { ...record, created: previous?.created ?? record.created };
    await write(saved);
    return saved;
  };

  const remove = async (name: string): Promise<boolean> => {
    checkSkillName(name);
    try {
      await rm(join(dir, `${name}${SUFFIX}`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError(`delete ${name}`, error);
    }
    cache = undefined;
    return true;
  };

  const setStale = async (name: string, server: string, reason: string | undefined): Promise<void> => {
    const record = await get(name);
    if (!record) return;
    const staleBy = { ...record.staleBy };
    if (reason === undefined) {
      if (!(server in staleBy)) return;
      delete staleBy[server];
    } else {
      if (staleBy[server] === reason) return;
      staleBy[server] = reason;
    }
    const { staleBy: _previous, ...rest } = record;
    await write(Object.keys(staleBy).length ? { ...rest, staleBy } : rest);
  };

  return { list, get, save, delete: remove, setStale };
}
