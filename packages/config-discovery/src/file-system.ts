import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';

export type ReadErrorCode = 'too-large' | 'not-a-file' | 'symlink-loop' | 'permission-denied' | 'failed';

export type FileReadResult =
  | { status: 'ok'; text: string; mode?: number }
  | { status: 'missing' }
  | { status: 'error'; code: ReadErrorCode; message: string };

export type DirectoryListResult =
  | { status: 'ok'; names: string[] }
  | { status: 'missing' }
  | { status: 'error'; code: ReadErrorCode; message: string };

/** The only file-system operations discovery and audit use; inject one to run them on anything. */
export interface ConfigFileSystem {
  readFile(path: string, options: { maxBytes: number; signal?: AbortSignal }): Promise<FileReadResult>;
  listDirectory(path: string, options: { signal?: AbortSignal }): Promise<DirectoryListResult>;
  /** Permission bits of a file, when the platform has them. */
  stat?(path: string): Promise<{ mode: number } | undefined>;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function classify(
  error: unknown,
): { status: 'missing' } | { status: 'error'; code: ReadErrorCode; message: string } {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'missing' };
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ELOOP') return { status: 'error', code: 'symlink-loop', message };
  if (code === 'EACCES' || code === 'EPERM') return { status: 'error', code: 'permission-denied', message };
  if (code === 'EISDIR') return { status: 'error', code: 'not-a-file', message };
  return { status: 'error', code: 'failed', message };
}

// O_NONBLOCK lets a FIFO open without waiting for a writer; fstat then shows it is not a regular file.
const OPEN_FLAGS = constants.O_RDONLY | (process.platform === 'win32' ? 0 : (constants.O_NONBLOCK ?? 0));

/** The real file system, reading at most `maxBytes` of regular files only. */
export function createNodeFileSystem(): ConfigFileSystem {
  return {
    async readFile(path, { maxBytes, signal }) {
      signal?.throwIfAborted();
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, OPEN_FLAGS);
      } catch (error) {
        return classify(error);
      }
      try {
        const info = await handle.stat();
        if (!info.isFile()) {
          const what = info.isDirectory()
            ? 'a directory'
            : info.isFIFO()
              ? 'a named pipe'
              : 'not a regular file';
          return { status: 'error', code: 'not-a-file', message: `it is ${what}` };
        }
        if (info.size > maxBytes) {
          return {
            status: 'error',
            code: 'too-large',
            message: `it is ${info.size} bytes, over the ${maxBytes}-byte limit`,
          };
        }
        const text = await handle.readFile({ encoding: 'utf8', ...(signal ? { signal } : {}) });
        // The file may have grown between fstat and read.
        if (Buffer.byteLength(text, 'utf8') > maxBytes) {
          return {
            status: 'error',
            code: 'too-large',
            message: `it grew over the ${maxBytes}-byte limit while read`,
          };
        }
        return { status: 'ok', text, mode: info.mode & 0o777 };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        return classify(error);
      } finally {
        await handle.close().catch(() => {});
      }
    },
    async listDirectory(path, { signal }) {
      signal?.throwIfAborted();
      try {
        const entries = await readdir(path, { withFileTypes: true });
        return { status: 'ok', names: entries.filter((e) => !e.isDirectory()).map((e) => e.name) };
      } catch (error) {
        return classify(error);
      }
    },
    async stat(path) {
      try {
        const info = await stat(path);
        return { mode: info.mode & 0o777 };
      } catch {
        return undefined;
      }
    },
  };
}

export type MemoryFile =
  | string
  | { text: string; mode?: number }
  | { error: ReadErrorCode; message?: string }
  | { directory: true };

/** An in-memory file system for tests and dry runs: keys are absolute paths in the target platform's form. A
 * directory is listed from the paths under it. */
export function createMemoryFileSystem(files: Readonly<Record<string, MemoryFile>>): ConfigFileSystem {
  const entries = new Map(Object.entries(files));
  return {
    async readFile(path, { maxBytes, signal }) {
      signal?.throwIfAborted();
      const file = entries.get(path);
      if (file === undefined) return { status: 'missing' };
      if (typeof file === 'object' && 'error' in file) {
        return { status: 'error', code: file.error, message: file.message ?? file.error };
      }
      if (typeof file === 'object' && 'directory' in file) {
        return { status: 'error', code: 'not-a-file', message: 'it is a directory' };
      }
      const text = typeof file === 'string' ? file : file.text;
      if (Buffer.byteLength(text, 'utf8') > maxBytes) {
        return { status: 'error', code: 'too-large', message: `it is over the ${maxBytes}-byte limit` };
      }
      const mode = typeof file === 'string' ? undefined : file.mode;
      return mode === undefined ? { status: 'ok', text } : { status: 'ok', text, mode };
    },
    async listDirectory(path, { signal }) {
      signal?.throwIfAborted();
      const prefixes = [`${path}/`, `${path}\\`];
      const names = new Set<string>();
      for (const key of entries.keys()) {
        const prefix = prefixes.find((candidate) => key.startsWith(candidate));
        if (prefix === undefined) continue;
        const rest = key.slice(prefix.length);
        if (rest !== '' && !/[/\\]/.test(rest)) names.add(rest);
      }
      const own = entries.get(path);
      if (names.size === 0 && !(typeof own === 'object' && 'directory' in own)) return { status: 'missing' };
      return { status: 'ok', names: [...names] };
    },
    async stat(path) {
      const file = entries.get(path);
      return typeof file === 'object' && 'text' in file && file.mode !== undefined
        ? { mode: file.mode }
        : undefined;
    },
  };
}
