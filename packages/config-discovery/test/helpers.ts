import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface FixtureTree {
  root: string;
  home: string;
  project: string;
  cleanup(): Promise<void>;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/** Copies several fixture trees into one temporary machine: their `home` and `project` folders are merged. */
export async function materializeMany(names: string[]): Promise<FixtureTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'config-discovery-machine-'));
  for (const name of names) {
    for (const part of ['home', 'project']) {
      await cp(path.join(FIXTURES, name, part), path.join(root, part), {
        recursive: true,
        force: false,
        errorOnExist: true,
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
  }
  return fill(root, path.join(root, 'home'), path.join(root, 'project'));
}

async function fill(root: string, home: string, project: string): Promise<FixtureTree> {
  for await (const file of walk(root)) {
    const text = await readFile(file, 'utf8');
    if (!text.includes('@@')) continue;
    await writeFile(
      file,
      text.replaceAll('@@PROJECT@@', project).replaceAll('@@HOME@@', home).replaceAll('@@ROOT@@', root),
    );
  }
  return { root, home, project, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Copies `fixtures/<name>` to a fresh temporary directory and fills in the machine-specific paths that real
 * files hold (`@@PROJECT@@`, `@@HOME@@`, `@@ROOT@@`). */
export async function materialize(
  name: string,
  homeDir = 'home',
  projectDir = 'project',
): Promise<FixtureTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), `config-discovery-${name}-`));
  await cp(path.join(FIXTURES, name), root, { recursive: true });
  return fill(root, path.join(root, homeDir), path.join(root, projectDir));
}
