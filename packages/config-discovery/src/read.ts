import type { ClientAdapter, EnablementOverride, SourceLocation } from './adapter.js';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import type { ConfigFileSystem, ReadErrorCode } from './file-system.js';
import { type DocumentFormat, formatFromName } from './parse-document.js';
import { type PathContext, pathApi } from './platform-paths.js';
import type { McpServerConfig, Scope } from './server.js';

export type SourceStatus = 'found' | 'not-found' | 'error';

/** One file (or directory) that discovery looked at. */
export interface SourceReport {
  client: string;
  scope: Scope;
  file: string;
  kind: 'file' | 'directory';
  status: SourceStatus;
  /** Servers read from it (before precedence and the self-reference guard). */
  servers: number;
  /** Permission bits, when read from a file system that has them. */
  mode?: number;
  /** What went wrong, for `status: 'error'`. */
  error?: string;
}

export interface SourceReading {
  reports: SourceReport[];
  servers: McpServerConfig[];
  diagnostics: Diagnostic[];
  overrides: EnablementOverride[];
}

export interface ReadSourceOptions {
  fs: ConfigFileSystem;
  maxFileBytes: number;
  signal?: AbortSignal;
}

const READ_DIAGNOSTIC: Record<ReadErrorCode, { code: DiagnosticCode; hint: string }> = {
  'too-large': { code: 'file-too-large', hint: 'shrink it or raise maxFileBytes' },
  'not-a-file': { code: 'not-a-file', hint: 'a config file was expected at this path' },
  'symlink-loop': { code: 'symlink-loop', hint: 'fix the symbolic link so it points at a file' },
  'permission-denied': { code: 'permission-denied', hint: 'make it readable by this user' },
  failed: { code: 'read-failed', hint: 'check the file' },
};

function readFailure(client: string, file: string, code: ReadErrorCode, message: string): Diagnostic {
  const known = READ_DIAGNOSTIC[code];
  return {
    severity: 'error',
    code: known.code,
    client,
    file,
    message: `${file} could not be read: ${message}; ${known.hint} (its servers were skipped, other files were still read)`,
  };
}

/** Reads one location of one client and parses what it finds. Never throws for file problems. */
export async function readSource(
  adapter: ClientAdapter,
  location: SourceLocation,
  ctx: PathContext,
  options: ReadSourceOptions,
): Promise<SourceReading> {
  if (location.kind === 'directory') return readDirectory(adapter, location, ctx, options);
  const report: SourceReport = {
    client: adapter.id,
    scope: location.scope,
    file: location.file,
    kind: 'file',
    status: 'not-found',
    servers: 0,
  };
  let text: string;
  if (location.inlineText !== undefined) {
    text = location.inlineText;
  } else {
    const read = await options.fs.readFile(location.file, {
      maxBytes: options.maxFileBytes,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (read.status === 'missing') return { reports: [report], servers: [], diagnostics: [], overrides: [] };
    if (read.status === 'error') {
      return {
        reports: [{ ...report, status: 'error', error: read.message }],
        servers: [],
        diagnostics: [readFailure(adapter.id, location.file, read.code, read.message)],
        overrides: [],
      };
    }
    text = read.text;
    if (read.mode !== undefined) report.mode = read.mode;
  }
  const format: DocumentFormat = location.format ?? formatFromName(location.file);
  const parsed = adapter.parse(text, {
    file: location.file,
    scope: location.scope,
    home: ctx.home,
    cwd: ctx.cwd,
    platform: ctx.platform,
    format,
  });
  const failed = parsed.diagnostics.some((d) => d.code === 'parse-error' || d.code === 'invalid-root');
  report.status = failed ? 'error' : 'found';
  report.servers = parsed.servers.length;
  if (failed)
    report.error = parsed.diagnostics.find((d) => d.severity === 'error')?.message ?? 'invalid file';
  return {
    reports: [report],
    servers: parsed.servers,
    diagnostics: parsed.diagnostics,
    overrides: parsed.overrides ?? [],
  };
}

const CONFIG_FILE = /\.(json|jsonc|toml)$/i;

async function readDirectory(
  adapter: ClientAdapter,
  location: SourceLocation,
  ctx: PathContext,
  options: ReadSourceOptions,
): Promise<SourceReading> {
  const base: SourceReport = {
    client: adapter.id,
    scope: location.scope,
    file: location.file,
    kind: 'directory',
    status: 'not-found',
    servers: 0,
  };
  const listed = await options.fs.listDirectory(
    location.file,
    options.signal ? { signal: options.signal } : {},
  );
  if (listed.status === 'missing') return { reports: [base], servers: [], diagnostics: [], overrides: [] };
  if (listed.status === 'error') {
    return {
      reports: [{ ...base, status: 'error', error: listed.message }],
      servers: [],
      diagnostics: [readFailure(adapter.id, location.file, listed.code, listed.message)],
      overrides: [],
    };
  }
  const p = pathApi(ctx.platform);
  // Code-point order, so the result does not depend on the host's locale or file-system order.
  const names = listed.names
    .filter((name) => CONFIG_FILE.test(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const reading: SourceReading = {
    reports: [{ ...base, status: 'found' }],
    servers: [],
    diagnostics: [],
    overrides: [],
  };
  for (const name of names) {
    const file = p.join(location.file, name);
    const one = await readSource(
      adapter,
      { file, scope: location.scope, kind: 'file', format: formatFromName(file) },
      ctx,
      options,
    );
    reading.reports.push(...one.reports);
    reading.servers.push(...one.servers);
    reading.diagnostics.push(...one.diagnostics);
    reading.overrides.push(...one.overrides);
  }
  return reading;
}
