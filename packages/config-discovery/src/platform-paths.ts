import path from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** Everything a path computation may depend on. Injected, so every OS's layout is testable on any host. */
export interface PathContext {
  home: string;
  cwd: string;
  platform: NodeJS.Platform;
  env: Env;
}

export type PathApi = typeof path.posix;

/** win32 path rules on Windows, posix everywhere else; never the host's default. */
export function pathApi(platform: NodeJS.Platform): PathApi {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Environment lookup with Windows' case-insensitive names. Empty values count as unset. */
export function getEnv(env: Env, name: string, platform: NodeJS.Platform): string | undefined {
  const direct = env[name];
  if (direct !== undefined) return direct === '' ? undefined : direct;
  if (platform !== 'win32') return undefined;
  const wanted = name.toUpperCase();
  for (const [key, value] of Object.entries(env)) {
    if (key.toUpperCase() === wanted && value !== undefined && value !== '') return value;
  }
  return undefined;
}

function absoluteOr(ctx: PathContext, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return pathApi(ctx.platform).isAbsolute(value) ? value : undefined;
}

/** `%APPDATA%` on Windows (falls back to `<home>\AppData\Roaming`). */
export function windowsAppData(ctx: PathContext): string {
  return (
    absoluteOr(ctx, getEnv(ctx.env, 'APPDATA', ctx.platform)) ??
    path.win32.join(ctx.home, 'AppData', 'Roaming')
  );
}

/** `%ProgramData%` on Windows (falls back to `C:\ProgramData`). */
export function windowsProgramData(ctx: PathContext): string {
  return absoluteOr(ctx, getEnv(ctx.env, 'ProgramData', ctx.platform)) ?? 'C:\\ProgramData';
}

/** `%ProgramFiles%` on Windows (falls back to `C:\Program Files`). */
export function windowsProgramFiles(ctx: PathContext): string {
  return absoluteOr(ctx, getEnv(ctx.env, 'ProgramFiles', ctx.platform)) ?? 'C:\\Program Files';
}

/** `$XDG_CONFIG_HOME` when set to an absolute path, else `<home>/.config` (the XDG rule; relative values are
 * ignored as the spec says). */
export function xdgConfigHome(ctx: PathContext): string {
  return (
    absoluteOr(ctx, getEnv(ctx.env, 'XDG_CONFIG_HOME', ctx.platform)) ??
    pathApi(ctx.platform).join(ctx.home, '.config')
  );
}

/** `~/Library/Application Support` on macOS. */
export function macApplicationSupport(ctx: PathContext): string {
  return path.posix.join(ctx.home, 'Library', 'Application Support');
}

/** The per-user application config directory of desktop apps: Application Support on macOS, `%APPDATA%` on
 * Windows, the XDG config directory elsewhere. */
export function appConfigDir(ctx: PathContext): string {
  if (ctx.platform === 'darwin') return macApplicationSupport(ctx);
  if (ctx.platform === 'win32') return windowsAppData(ctx);
  return xdgConfigHome(ctx);
}

/** VS Code's (or a fork's) `User` directory: `<appConfigDir>/<product>/User`. */
export function vscodeUserDir(ctx: PathContext, product: string): string {
  return pathApi(ctx.platform).join(appConfigDir(ctx), product, 'User');
}

/** Expands a leading `~` and resolves a relative path against `cwd`, with the target platform's rules. */
export function resolveUserPath(ctx: PathContext, value: string): string {
  const p = pathApi(ctx.platform);
  if (value === '~') return ctx.home;
  if (value.startsWith('~/') || (ctx.platform === 'win32' && value.startsWith('~\\'))) {
    return p.join(ctx.home, value.slice(2));
  }
  return p.resolve(ctx.cwd, value);
}
