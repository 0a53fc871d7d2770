import type { ParseContext, ParseResult } from '../adapter.js';
import type { Diagnostic } from '../diagnostics.js';
import { type ParsedDocument, parseDocument } from '../parse-document.js';
import type { McpServerConfig, RemoteTransport, Scope, ServerTransport } from '../server.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function formatPath(path: (string | number)[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join(' > ');
}

/** Reads typed fields of one entry and remembers every type problem, so one message can list them all. */
export class EntryFields {
  readonly problems: string[] = [];

  constructor(readonly raw: JsonObject) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  string(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problems.push(`"${key}" must be a string, not ${describeType(value)}`);
      return undefined;
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.problems.push(`"${key}" must be true or false, not ${describeType(value)}`);
      return undefined;
    }
    return value;
  }

  stringArray(key: string): string[] | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      this.problems.push(`"${key}" must be an array of strings`);
      return undefined;
    }
    return value as string[];
  }

  stringMap(key: string): Record<string, string> | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (!isObject(value)) {
      this.problems.push(`"${key}" must be an object of strings, not ${describeType(value)}`);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      if (typeof item !== 'string') {
        this.problems.push(`"${key}.${name}" must be a string, not ${describeType(item)}`);
        continue;
      }
      out[name] = item;
    }
    return out;
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}

export interface EntryReading {
  transport: ServerTransport;
  enabled: boolean;
  description?: string;
}

/** What an entry reader returns: a server, nothing (with an optional diagnostic), or problems. */
export type EntryOutcome = EntryReading | { skip: Diagnostic | undefined };

export interface SectionSpec {
  path: (string | number)[];
  /** Overrides the location's scope (Claude Code's `projects[cwd]` is `local` inside a `user` file). */
  scope?: Scope;
}

export interface EntryContext {
  ctx: ParseContext;
  client: string;
  name: string;
  path: (string | number)[];
  /** The whole document, for settings outside the entry (Gemini's `mcp.excluded`). */
  root: JsonObject;
}

export type EntryReader = (fields: EntryFields, entry: EntryContext) => EntryOutcome;

/** The parse of a client whose file holds `mcpServers` entries in the common shape, read by `dialect`. */
export function parseStandardMcpServers(
  client: string,
  dialect: StandardDialect,
): (text: string, ctx: ParseContext) => ParseResult {
  return (text, ctx) =>
    parseServerSections(
      text,
      ctx,
      client,
      () => [{ path: ['mcpServers'] }],
      (fields) => readStandardEntry(fields, dialect),
    );
}

/** The shared shape of every adapter's parse: document -> root object -> named sections -> entries. Problems
 * become diagnostics and never stop the other entries from being read. */
export function parseServerSections(
  text: string,
  ctx: ParseContext,
  client: string,
  sections: (root: JsonObject, doc: ParsedDocument) => SectionSpec[],
  readEntry: EntryReader,
): ParseResult {
  const parsed = parseDocument(text, ctx.file, ctx.format);
  if (!parsed.ok) return { servers: [], diagnostics: [{ ...parsed.diagnostic, client }] };
  const { document } = parsed;
  const root = document.value;
  const diagnostics: Diagnostic[] = [];
  if (!isObject(root)) {
    diagnostics.push({
      severity: 'error',
      code: 'invalid-root',
      client,
      file: ctx.file,
      message: `${ctx.file}: the top level is ${describeType(root)}, not an object; no servers were read from it`,
    });
    return { servers: [], diagnostics };
  }
  const servers: McpServerConfig[] = [];
  for (const section of sections(root, document)) {
    const value = valueAt(root, section.path);
    if (value === undefined) continue;
    if (!isObject(value)) {
      diagnostics.push({
        severity: 'error',
        code: 'invalid-section',
        client,
        file: ctx.file,
        path: section.path,
        ...lineProp(document, section.path),
        message: `${ctx.file}: "${formatPath(section.path)}" is ${describeType(value)}, not an object of servers; no servers were read from it`,
      });
      continue;
    }
    for (const [name, raw] of Object.entries(value)) {
      const path = [...section.path, name];
      const line = lineProp(document, path);
      const where = `server "${name}" in ${ctx.file} (${formatPath(path)})`;
      if (name.trim() === '') {
        diagnostics.push(invalidEntry(client, ctx.file, path, line, name, `${where} has an empty name`));
        continue;
      }
      if (!isObject(raw)) {
        diagnostics.push(
          invalidEntry(client, ctx.file, path, line, name, `${where} is ${describeType(raw)}, not an object`),
        );
        continue;
      }
      const fields = new EntryFields(raw);
      const outcome = readEntry(fields, { ctx, client, name, path, root });
      if (fields.problems.length > 0) {
        diagnostics.push(
          invalidEntry(client, ctx.file, path, line, name, `${where}: ${fields.problems.join('; ')}`),
        );
        continue;
      }
      if ('skip' in outcome) {
        if (outcome.skip) diagnostics.push({ ...outcome.skip, ...line });
        continue;
      }
      servers.push({
        name,
        transport: outcome.transport,
        ...(outcome.description !== undefined ? { description: outcome.description } : {}),
        enabled: outcome.enabled,
        source: { client, scope: section.scope ?? ctx.scope, file: ctx.file, path, ...line },
      });
    }
  }
  return { servers, diagnostics };
}

function lineProp(document: ParsedDocument, path: (string | number)[]): { line?: number } {
  const line = document.lineOf(path);
  return line === undefined ? {} : { line };
}

function invalidEntry(
  client: string,
  file: string,
  path: (string | number)[],
  line: { line?: number },
  name: string,
  message: string,
): Diagnostic {
  return {
    severity: 'error',
    code: 'invalid-entry',
    client,
    file,
    path,
    server: name,
    ...line,
    message: `${message}; fix or remove the entry (the other servers were still read)`,
  };
}

export function valueAt(root: unknown, path: (string | number)[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (typeof part === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[part];
    } else {
      if (!isObject(current) || !Object.hasOwn(current, part)) return undefined;
      current = current[part];
    }
  }
  return current;
}

export type RemoteKind = RemoteTransport['type'];

/** How one client spells the common `{ command, args, env, url, headers }` entry. */
export interface StandardDialect {
  /** URL keys in the order they are tried, with the transport a key implies (Gemini's `httpUrl`). */
  urlKeys: { key: string; transport?: RemoteKind }[];
  /** Values of `type` (lower-cased) and what they mean. */
  types: Record<string, 'stdio' | RemoteKind>;
  /** Keys that may hold the type, first present wins (Cline's legacy `transportType`). */
  typeKeys?: string[];
  /** Transport of a URL entry without a type. */
  defaultRemote: RemoteKind | ((url: string) => RemoteKind);
  envFile?: boolean;
}

const STANDARD_TYPES: Record<string, 'stdio' | RemoteKind> = {
  stdio: 'stdio',
  http: 'http',
  'streamable-http': 'http',
  streamablehttp: 'http',
  sse: 'sse',
};

export const claudeDialect: StandardDialect = {
  urlKeys: [{ key: 'url' }],
  types: STANDARD_TYPES,
  defaultRemote: 'http',
};

/** Reads the `{ command, args, env, cwd } | { type, url, headers }` entry most clients share, with
 * `disabled: true` or `enabled: false` turning it off. */
export function readStandardEntry(fields: EntryFields, dialect: StandardDialect): EntryOutcome {
  let typeKey: string | undefined;
  let typeValue: string | undefined;
  for (const key of dialect.typeKeys ?? ['type']) {
    if (fields.has(key)) {
      typeKey = key;
      typeValue = fields.string(key);
      break;
    }
  }
  const command = fields.string('command');
  let urlKey: { key: string; transport?: RemoteKind } | undefined;
  let url: string | undefined;
  for (const candidate of dialect.urlKeys) {
    if (fields.has(candidate.key)) {
      urlKey = candidate;
      url = fields.string(candidate.key);
      break;
    }
  }
  const disabled = fields.boolean('disabled');
  const enabledFlag = fields.boolean('enabled');
  const description = fields.string('description');
  const enabled = disabled !== true && enabledFlag !== false;

  let kind: 'stdio' | RemoteKind | undefined;
  if (typeValue !== undefined) {
    kind = dialect.types[typeValue.toLowerCase()];
    if (kind === undefined) {
      fields.problem(
        `"${typeKey}" is "${typeValue}", expected one of ${Object.keys(dialect.types)
          .map((t) => `"${t}"`)
          .join(', ')}`,
      );
      return { skip: undefined };
    }
  } else if (fields.has('command')) {
    kind = 'stdio';
  } else if (urlKey !== undefined) {
    kind =
      urlKey.transport ??
      (typeof dialect.defaultRemote === 'function'
        ? dialect.defaultRemote(url ?? '')
        : dialect.defaultRemote);
  }

  if (kind === undefined) {
    fields.problem(`it has neither "command" nor ${dialect.urlKeys.map((k) => `"${k.key}"`).join(' or ')}`);
    return { skip: undefined };
  }

  if (kind === 'stdio') {
    const args = fields.stringArray('args') ?? [];
    const env = fields.stringMap('env') ?? {};
    const cwd = fields.string('cwd');
    const envFile = dialect.envFile ? fields.string('envFile') : undefined;
    if (command === undefined || command.trim() === '') {
      if (!fields.problems.length) fields.problem('a stdio server needs a non-empty "command"');
      return { skip: undefined };
    }
    return {
      transport: {
        type: 'stdio',
        command,
        args,
        env,
        ...(cwd !== undefined ? { cwd } : {}),
        ...(envFile !== undefined ? { envFile } : {}),
      },
      enabled,
      ...(description !== undefined ? { description } : {}),
    };
  }

  const headers = fields.stringMap('headers') ?? {};
  if (url === undefined || url.trim() === '') {
    if (!fields.problems.length) {
      fields.problem(
        `a ${kind} server needs a non-empty ${dialect.urlKeys.map((k) => `"${k.key}"`).join(' or ')}`,
      );
    }
    return { skip: undefined };
  }
  return {
    transport: { type: kind, url, headers },
    enabled,
    ...(description !== undefined ? { description } : {}),
  };
}
