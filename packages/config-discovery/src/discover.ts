import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { ClientAdapter, SourceLocation } from './adapter.js';
import { CLIENT_ADAPTERS, getAdapter } from './adapters/index.js';
import type { Diagnostic } from './diagnostics.js';
import { ConfigDiscoveryError } from './errors.js';
import { type ConfigFileSystem, createNodeFileSystem } from './file-system.js';
import { type Logger, silentLogger } from './logger.js';
import { type Candidate, mergeServers, type ShadowedServer } from './merge.js';
import { formatFromName } from './parse-document.js';
import { type Env, getEnv, type PathContext, pathApi, resolveUserPath } from './platform-paths.js';
import { readSource, type SourceReport } from './read.js';
import type { McpServerConfig } from './server.js';

export interface ExplicitSource {
  path: string;
  /** Read the file as this client's format. @default 'generic' (accepts `mcpServers`, `servers`, `mcp_servers`) */
  client?: string;
}

export interface DiscoverOptions {
  /** The project directory. @default process.cwd() */
  cwd?: string;
  /** The user's home. @default `USERPROFILE` (Windows) or `HOME` from `env`, else `os.homedir()` */
  home?: string;
  /** Environment for paths (`APPDATA`, `XDG_CONFIG_HOME`, `CODEX_HOME`, …). @default process.env */
  env?: Env;
  /** Whose file layout to use. @default process.platform */
  platform?: NodeJS.Platform;
  /** Client ids to read (see `CLIENT_IDS`); explicit files are always read. @default CLIENT_IDS (all) */
  sources?: readonly string[];
  /** Files the caller names; they win over every discovered file, first listed first. */
  explicit?: readonly (string | ExplicitSource)[];
  /**
   * Leaves out every entry for which it returns a reason (say, one that would start the calling program itself):
   * such an entry is in `skipped` and in an `excluded` warning, never dropped silently.
   * @default none left out
   */
  exclude?: (server: McpServerConfig) => string | undefined;
  /** File-system port. @default createNodeFileSystem() */
  fs?: ConfigFileSystem;
  /** Files larger than this are reported, not read. @default DEFAULT_MAX_FILE_BYTES (8 MiB) */
  maxFileBytes?: number;
  /** Gives up (throws `ABORTED`) when the whole discovery takes longer. @default 30_000 */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface SkippedServer {
  server: McpServerConfig;
  reason: string;
}

export interface DiscoveryResult {
  /** One winning definition per name, sorted by name; disabled ones are included with `enabled: false`. */
  servers: McpServerConfig[];
  /** Definitions that lost to another of the same name, with the one that wins. */
  shadowed: ShadowedServer[];
  /** Entries left out by the `exclude` option, with its reason. */
  skipped: SkippedServer[];
  /** Every file and directory looked at, found or not, in reading order. */
  sources: SourceReport[];
  diagnostics: Diagnostic[];
  context: { cwd: string; home: string; platform: NodeJS.Platform };
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

interface PlannedRead {
  adapter: ClientAdapter;
  location: SourceLocation;
  clientRank: number;
}

function plan(ctx: PathContext, options: DiscoverOptions): PlannedRead[] {
  const reads: PlannedRead[] = [];
  for (const item of options.explicit ?? []) {
    const source = typeof item === 'string' ? { path: item } : item;
    const adapter = getAdapter(source.client ?? 'generic');
    if (!adapter) {
      throw new ConfigDiscoveryError(
        'UNKNOWN_CLIENT',
        `Unknown client "${source.client}" for explicit file ${source.path}: use one of ${CLIENT_ADAPTERS.map((a) => a.id).join(', ')}`,
      );
    }
    const file = resolveUserPath(ctx, source.path);
    reads.push({
      adapter,
      location: { file, scope: 'explicit', format: formatFromName(file) },
      clientRank: -1,
    });
  }
  const wanted = options.sources ? new Set(options.sources) : undefined;
  if (wanted) {
    for (const id of wanted) {
      if (!getAdapter(id)) {
        throw new ConfigDiscoveryError(
          'UNKNOWN_CLIENT',
          `Unknown client "${id}" in sources: use one of ${CLIENT_ADAPTERS.map((a) => a.id).join(', ')}`,
        );
      }
    }
  }
  CLIENT_ADAPTERS.forEach((adapter, clientRank) => {
    if (wanted && !wanted.has(adapter.id)) return;
    const seen = new Set<string>();
    for (const location of adapter.locations(ctx)) {
      // With cwd = home, `<cwd>/.cursor/mcp.json` and `~/.cursor/mcp.json` are one file: read it once, as project.
      const key = ctx.platform === 'win32' ? location.file.toLowerCase() : location.file;
      if (location.inlineText === undefined && seen.has(key)) continue;
      seen.add(key);
      reads.push({ adapter, location, clientRank });
    }
  });
  return reads;
}

function requireAbsolute(ctx: PathContext, name: 'cwd' | 'home', value: string): void {
  if (!pathApi(ctx.platform).isAbsolute(value)) {
    throw new ConfigDiscoveryError(
      'INVALID_OPTIONS',
      `${name} must be an absolute ${ctx.platform === 'win32' ? 'Windows' : 'POSIX'} path, got "${value}"`,
    );
  }
}

/**
 * Finds every MCP server configured for the given home and project, normalises it and applies precedence.
 * Values stay raw (unexpanded) so audit sees what is written; use `resolveServer` before starting one.
 * @throws {ConfigDiscoveryError} `INVALID_OPTIONS` (a relative `cwd` or `home`),
 *   `UNKNOWN_CLIENT` (an id not in `CLIENT_IDS`), `ABORTED` (the signal, or `timeoutMs` ran out). Problems in
 *   files are diagnostics, never thrown.
 */
export async function discover(options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const ctx: PathContext = {
    platform,
    env,
    home:
      options.home ?? getEnv(env, platform === 'win32' ? 'USERPROFILE' : 'HOME', platform) ?? os.homedir(),
    cwd: options.cwd ?? process.cwd(),
  };
  requireAbsolute(ctx, 'cwd', ctx.cwd);
  requireAbsolute(ctx, 'home', ctx.home);
  const logger = options.logger ?? silentLogger;
  const fs = options.fs ?? createNodeFileSystem();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const reads = plan(ctx, options);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  // Every concurrent read listens to this one signal.
  setMaxListeners(reads.length + 10, signal);
  const aborted = (): ConfigDiscoveryError =>
    options.signal?.aborted
      ? new ConfigDiscoveryError('ABORTED', 'Discovery was cancelled by the caller', {
          cause: options.signal.reason,
        })
      : new ConfigDiscoveryError(
          'ABORTED',
          `Discovery gave up after ${timeoutMs} ms: a file system did not answer; check network mounts or raise timeoutMs`,
        );
  if (signal.aborted) throw aborted();

  let readings: Awaited<ReturnType<typeof readSource>>[];
  try {
    readings = await Promise.all(
      reads.map(({ adapter, location }) => readSource(adapter, location, ctx, { fs, maxFileBytes, signal })),
    );
  } catch (error) {
    if (signal.aborted) throw aborted();
    throw error;
  }
  if (signal.aborted) throw aborted();

  const sources: SourceReport[] = [];
  const diagnostics: Diagnostic[] = [];
  const candidates: Candidate[] = [];
  const skipped: SkippedServer[] = [];
  const overrides = readings.flatMap((reading) => reading.overrides);
  const applyOverrides = (server: McpServerConfig): McpServerConfig => {
    let current = server;
    for (const o of overrides) {
      if (
        o.client === server.source.client &&
        o.appliesTo.includes(server.source.scope) &&
        o.names.includes(server.name)
      ) {
        current = { ...current, enabled: o.enabled };
      }
    }
    return current;
  };
  readings.forEach((reading, index) => {
    const { clientRank } = reads[index]!;
    sources.push(...reading.reports);
    diagnostics.push(...reading.diagnostics);
    for (const server of reading.servers.map(applyOverrides)) {
      const reason = options.exclude?.(server);
      if (reason !== undefined) {
        skipped.push({ server, reason });
        diagnostics.push({
          severity: 'warning',
          code: 'excluded',
          client: server.source.client,
          file: server.source.file,
          path: server.source.path,
          server: server.name,
          ...(server.source.line !== undefined ? { line: server.source.line } : {}),
          message: `server "${server.name}" in ${server.source.file} was left out: ${reason}`,
        });
        continue;
      }
      candidates.push({ server, order: candidates.length, clientRank });
    }
  });
  for (const report of sources) {
    logger.debug('config source read', { client: report.client, file: report.file, status: report.status });
  }
  const merged = mergeServers(candidates);
  logger.info('config discovery done', {
    servers: merged.servers.length,
    shadowed: merged.shadowed.length,
    files: sources.filter((s) => s.status === 'found').length,
    diagnostics: diagnostics.length,
  });
  return {
    servers: merged.servers,
    shadowed: merged.shadowed,
    skipped,
    sources,
    diagnostics,
    context: { cwd: ctx.cwd, home: ctx.home, platform },
  };
}
