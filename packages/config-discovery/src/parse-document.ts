import { findNodeAtLocation, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { Diagnostic } from './diagnostics.js';

export type DocumentFormat = 'json' | 'jsonc' | 'toml';

/** A parsed config file: its value, and where an entry sits (for line numbers in findings). */
export interface ParsedDocument {
  value: unknown;
  lineOf(path: (string | number)[]): number | undefined;
}

export type DocumentParseResult =
  | { ok: true; document: ParsedDocument }
  | { ok: false; diagnostic: Diagnostic };

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** What a diagnostic of a file that does not parse says after the fix, unless the caller says otherwise. */
const SERVERS_SKIPPED = "the file's servers were skipped";

/** The diagnostic of a file that does not parse: where, and why, with the fix. */
function notValid(
  file: string,
  format: 'JSON' | 'TOML',
  reason: string,
  position: { line: number | undefined; column: number | undefined },
  consequence: string,
): { ok: false; diagnostic: Diagnostic } {
  const { line, column } = position;
  const where = line !== undefined ? `${file}:${line}:${column ?? 1}` : file;
  return {
    ok: false,
    diagnostic: {
      severity: 'error',
      code: 'parse-error',
      file,
      ...(line !== undefined ? { line } : {}),
      message: `${where}: not valid ${format} (${reason}); fix the syntax there${consequence ? `, ${consequence}` : ''}`,
    },
  };
}

export interface ParseDocumentOptions {
  /**
   * What a syntax error means for the reader, said after the fix in the diagnostic's message (empty: nothing).
   * @default "the file's servers were skipped"
   */
  consequence?: string;
}

/** JSON with comments and trailing commas (what VS Code, Zed and OpenCode accept; strict JSON is a subset). */
export function parseJsonDocument(
  text: string,
  file: string,
  options: ParseDocumentOptions = {},
): DocumentParseResult {
  const source = stripBom(text);
  const errors: ParseError[] = [];
  const tree = parseTree(source, errors, { allowTrailingComma: true, disallowComments: false });
  const starts = lineStarts(source);
  const first = errors[0];
  if (first !== undefined || tree === undefined) {
    const offset = first?.offset ?? 0;
    const line = lineAt(starts, offset);
    const column = offset - (starts[line - 1] ?? 0) + 1;
    const what = first ? printParseErrorCode(first.error) : 'empty document';
    return notValid(file, 'JSON', what, { line, column }, options.consequence ?? SERVERS_SKIPPED);
  }
  return {
    ok: true,
    document: {
      value: nodeValue(tree),
      lineOf(path) {
        const node = findNodeAtLocation(tree, path);
        if (!node) return undefined;
        // The property node (key) starts the entry; the value node is its child.
        const anchor = node.parent?.type === 'property' ? node.parent : node;
        return lineAt(starts, anchor.offset);
      },
    },
  };
}

// jsonc-parser's getNodeValue builds plain objects with inherited prototypes; build null-prototype-free
// plain objects ourselves so keys such as `__proto__` stay ordinary data.
function nodeValue(node: import('jsonc-parser').Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (!keyNode || typeof keyNode.value !== 'string') continue;
        Object.defineProperty(out, keyNode.value, {
          value: valueNode ? nodeValue(valueNode) : undefined,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

export function parseTomlDocument(
  text: string,
  file: string,
  options: ParseDocumentOptions = {},
): DocumentParseResult {
  const source = stripBom(text);
  try {
    const value = parseToml(source);
    const starts = lineStarts(source);
    return {
      ok: true,
      document: {
        value,
        // TOML has no position API here: find the table header of `[a.b]` entries (where Codex servers live),
        // else the `key =` line of the last part inside its parent's table (or at the top), else give up.
        lineOf(path) {
          const header = tableHeader(source, path);
          if (header) return lineAt(starts, header.index);
          const last = path.at(-1);
          if (last === undefined) return undefined;
          const parent = path.length > 1 ? tableHeader(source, path.slice(0, -1)) : undefined;
          if (path.length > 1 && !parent) return undefined;
          const from = parent ? parent.index + parent[0].length : 0;
          const nextTable = /^[ \t]*\[/m.exec(source.slice(from));
          const body = source.slice(from, nextTable ? from + nextTable.index : undefined);
          const key = new RegExp(`^[ \\t]*${escapeRegExp(tomlKey(String(last)))}[ \\t]*=`, 'm').exec(body);
          return key ? lineAt(starts, from + key.index) : undefined;
        },
      },
    };
  } catch (error) {
    const line = error instanceof TomlError ? error.line : undefined;
    const column = error instanceof TomlError ? error.column : undefined;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return notValid(file, 'TOML', reason ?? '', { line, column }, options.consequence ?? SERVERS_SKIPPED);
  }
}

/** The `[a.b]` header of a table, by its path. */
function tableHeader(source: string, path: readonly (string | number)[]): RegExpExecArray | null {
  const header = path.map((part) => tomlKey(String(part))).join('.');
  const re = new RegExp(`^[ \\t]*\\[\\s*${escapeRegExp(header).replace(/\\\./g, '\\s*\\.\\s*')}\\s*\\]`, 'm');
  return re.exec(source);
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Parses a JSON (with comments and trailing commas) or TOML document, keeping where its entries sit. A syntax error
 * is a diagnostic with the file, line and column, never a throw.
 */
export function parseDocument(
  text: string,
  file: string,
  format: DocumentFormat,
  options: ParseDocumentOptions = {},
): DocumentParseResult {
  return format === 'toml' ? parseTomlDocument(text, file, options) : parseJsonDocument(text, file, options);
}

/** Picks the format of a file from its name: `.toml` is TOML, everything else JSON with comments. */
export function formatFromName(file: string): DocumentFormat {
  return /\.toml$/i.test(file) ? 'toml' : 'jsonc';
}
