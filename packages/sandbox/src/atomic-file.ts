import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `text` to `dir/name` so that a reader (or a crash) never sees half of it: a temporary file in the same
 * directory, fsync, rename. Two processes writing the same name leave one whole file, the last rename's. Makes the
 * directory (mode 0700) when it is missing.
 */
export async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, join(dir, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The parsed JSON of `dir/name`, or undefined when there is no such file. A file that cannot be read, or is not
 * JSON, is thrown as the caller's own error (`unreadable`, `notJson`), so each store keeps its error vocabulary.
 */
export async function readJsonFile(
  dir: string,
  name: string,
  errors: { unreadable: (error: unknown) => Error; notJson: (error: unknown) => Error },
): Promise<{ json: unknown } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw errors.unreadable(error);
  }
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (error) {
    throw errors.notJson(error);
  }
}
