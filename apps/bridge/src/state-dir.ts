import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { realPath } from './real-path.js';

export interface StateDirInput {
  /** `MCP_BRIDGE_STATE_DIR`, when set. */
  stateDir?: string | undefined;
  env: Record<string, string | undefined>;
  home: string;
  platform: NodeJS.Platform;
}

const APP = 'code-exec-bridge';

/**
 * Where the bridge keeps what outlives its processes (memory, saved tools): `MCP_BRIDGE_STATE_DIR`, else the
 * platform's per-user state directory: `$XDG_STATE_HOME` or `~/.local/state` on Linux, `~/Library/Application
 * Support` on macOS, `%LOCALAPPDATA%` on Windows. Pure.
 */
export function stateRoot(input: StateDirInput): string {
  if (input.stateDir) return input.stateDir;
  const { env, home } = input;
  switch (input.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP);
    case 'win32':
      return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), APP);
    default:
      return join(env.XDG_STATE_HOME || join(home, '.local', 'state'), APP);
  }
}

/**
 * The directory of one project (the bridge's working directory, as a real path): its name says which project, and
 * a hash of the whole path keeps two projects of the same name apart. Pure.
 */
export function projectStateDir(root: string, projectPath: string): string {
  const name = (basename(projectPath) || 'root').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(projectPath, 'utf8').digest('hex').slice(0, 12);
  return join(root, 'projects', `${name}-${hash}`);
}

/** The state directory of the project the settings name (`cwd`, as a real path). */
export function settingsProjectDir(
  settings: { stateDir?: string | undefined; home: string; cwd: string },
  env: Record<string, string | undefined>,
): string {
  return projectStateDir(
    stateRoot({ stateDir: settings.stateDir, env, home: settings.home, platform: process.platform }),
    realPath(settings.cwd),
  );
}
