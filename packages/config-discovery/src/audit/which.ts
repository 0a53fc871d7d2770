import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Env, getEnv } from '../platform-paths.js';

export interface WhichOptions {
  env: Env;
  cwd: string;
  platform: NodeJS.Platform;
}

/** Finds a command the way a shell would: a path is checked as it is, a bare name is looked up on `PATH`
 * (with `PATHEXT` on Windows). Returns the executable's path, or `undefined`. */
export type Which = (
  command: string,
  options: WhichOptions,
) => Promise<string | undefined> | string | undefined;

async function isExecutable(file: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    if (platform === 'win32') return true;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The real lookup on this machine's file system. */
export const whichOnPath: Which = async (command, { env, cwd, platform }) => {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const extensions =
    platform === 'win32'
      ? ['', ...(getEnv(env, 'PATHEXT', platform) ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
      : [''];
  const candidates = (base: string) => extensions.map((ext) => base + ext);
  if (command.includes('/') || (platform === 'win32' && command.includes('\\'))) {
    for (const file of candidates(p.resolve(cwd, command)))
      if (await isExecutable(file, platform)) return file;
    return undefined;
  }
  const dirs = (getEnv(env, 'PATH', platform) ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  for (const dir of dirs) {
    for (const file of candidates(p.join(dir, command))) if (await isExecutable(file, platform)) return file;
  }
  return undefined;
};
