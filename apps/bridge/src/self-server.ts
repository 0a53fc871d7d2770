import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServerConfig } from '@codexec/config-discovery';
import { realPath } from './real-path.js';

/**
 * Whether a configured MCP server would start this bridge itself: offering the bridge to the code through the
 * bridge would loop. Discovery leaves such entries out through its `exclude` option, and says so.
 */

/** The package, its bin, and the original Python bridge's names. */
const PACKAGE_NAME = '@codexec/code-exec-bridge';
const BIN_NAMES = new Set(['code-exec-bridge', 'mcp-server-code-execution-mode']);
const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun']);
const DIRECTORY_FLAGS = new Set(['--prefix', '-C', '--dir', '--cwd']);

/** Where this bridge is on disk, as real paths. */
export interface SelfIdentity {
  /** The bridge package's directory (`apps/bridge`, or `node_modules/@codexec/code-exec-bridge`). */
  packageRoot: string;
  /** Directories whose `start` runs this bridge: the package and the workspaces around it (a checkout's root). */
  startDirs: string[];
}

/** This process's bridge: the package around this module, in `src/` and in `dist/` alike. */
export function selfIdentity(moduleUrl: string = import.meta.url): SelfIdentity {
  const packageRoot = realPath(resolve(dirname(fileURLToPath(moduleUrl)), '..'));
  const startDirs = [packageRoot];
  for (let dir = dirname(packageRoot); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) || hasWorkspaces(join(dir, 'package.json'))) {
      startDirs.push(dir);
    }
  }
  return { packageRoot, startDirs };
}

export interface SelfReasonContext {
  /** The directory a server without its own `cwd` starts in (the project directory). */
  cwd: string;
  /** PATH, to find where a bare command lives. */
  path?: string | undefined;
}

/** Says why the entry would start this bridge, or undefined when it would not. Reads the file system only. */
export function selfServerReason(
  server: McpServerConfig,
  self: SelfIdentity,
  context: SelfReasonContext,
): string | undefined {
  if (BIN_NAMES.has(normalise(server.name))) return `its name "${server.name}" is this bridge's`;
  const transport = server.transport;
  if (transport.type !== 'stdio') return undefined;
  const cwd = transport.cwd ? resolve(context.cwd, transport.cwd) : context.cwd;
  const tokens = [transport.command, ...transport.args];

  const named = tokens.find(namesBridge);
  if (named !== undefined) {
    return named === transport.command
      ? `its command "${named}" starts this bridge`
      : `its argument "${named}" starts this bridge`;
  }
  const commandFile = locate(transport.command, cwd, context.path);
  if (commandFile && inside(commandFile, self.packageRoot)) {
    return `its command "${transport.command}" is this bridge (${commandFile})`;
  }
  for (const arg of transport.args) {
    if (arg.startsWith('-') || !/[\\/]|\.[cm]?[jt]s$/.test(arg)) continue;
    const file = realPath(resolve(cwd, arg));
    if (inside(file, self.packageRoot)) return `its argument "${arg}" is this bridge's own file (${file})`;
  }
  if (startsPackage(transport.command, transport.args)) {
    const dir = realPath(directoryOf(transport.args, cwd));
    if (self.startDirs.includes(dir))
      return `it runs \`${baseName(transport.command)} start\` in ${dir}, which starts this bridge`;
  }
  return undefined;
}

function namesBridge(token: string): boolean {
  if (normalise(token).includes(PACKAGE_NAME)) return true;
  return BIN_NAMES.has(normalise(baseName(token)));
}

function normalise(token: string): string {
  return token.toLowerCase().replace(/_/g, '-');
}

/** `code-exec-bridge@1.2.3`, `code-exec-bridge.cmd` and `/usr/bin/code-exec-bridge` are all `code-exec-bridge`. */
function baseName(token: string): string {
  const last = token.split(/[/\\]/).pop() ?? token;
  return last.replace(/\.(exe|cmd|bat|ps1|js|mjs|cjs|py)$/i, '').replace(/(.)@[^@]*$/, '$1');
}

/** `npm start`, `npm --silent start`, `pnpm run start`, `yarn start`: a package manager running a `start` script. */
function startsPackage(command: string, args: readonly string[]): boolean {
  if (!PACKAGE_MANAGERS.has(baseName(command).toLowerCase())) return false;
  const words = args.filter((arg, i) => !arg.startsWith('-') && !DIRECTORY_FLAGS.has(args[i - 1] ?? ''));
  return words[0] === 'start' || (['run', 'run-script'].includes(words[0] ?? '') && words[1] === 'start');
}

/** The directory a package manager works in: its `--prefix`/`-C`/`--dir` argument, else where it starts. */
function directoryOf(args: readonly string[], cwd: string): string {
  for (const [i, arg] of args.entries()) {
    if (DIRECTORY_FLAGS.has(arg) && args[i + 1]) return resolve(cwd, args[i + 1]!);
    const joined = /^(--prefix|--dir|--cwd)=(.+)$/.exec(arg);
    if (joined) return resolve(cwd, joined[2]!);
  }
  return cwd;
}

/** The real path of a command: a path as given, or the first match on PATH. */
function locate(command: string, cwd: string, path: string | undefined): string | undefined {
  if (/[\\/]/.test(command)) return realPath(isAbsolute(command) ? command : resolve(cwd, command));
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return realPath(candidate);
  }
  return undefined;
}

function inside(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

function hasWorkspaces(file: string): boolean {
  try {
    return 'workspaces' in (JSON.parse(readFileSync(file, 'utf8')) as object);
  } catch {
    return false;
  }
}
