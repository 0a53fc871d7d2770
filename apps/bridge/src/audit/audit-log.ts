/**
 * The audit trail: one JSON line per run and per tool call, appended to a file under the project's state directory.
 * Lines are written whole (a batch per write, at the next turn of the event loop), a line left torn by a crash is
 * closed before anything is appended after it, and readers skip what does not parse. The file is rotated by size.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { findSecret, redactSecret } from '@codexec/config-discovery';
import type { Logger } from '../logger.js';

/** The audit trail's file name in the project's state directory. */
export const AUDIT_FILE = 'audit.jsonl';

/** How a tool call ended, as the audit trail says it. */
export type CallOutcome = 'ok' | 'tool_error' | 'error' | 'denied';

export interface AuditCall {
  type: 'call';
  time: string;
  run: string;
  session?: string | undefined;
  server: string;
  tool: string;
  /** Size (bytes of JSON) and hash (SHA-256, first 16 hex digits) of the arguments. */
  argumentsBytes: number;
  argumentsHash: string;
  /** The arguments themselves, secrets redacted: only with `MCP_BRIDGE_AUDIT_ARGUMENTS=1`. */
  arguments?: unknown;
  resultBytes?: number | undefined;
  resultHash?: string | undefined;
  durationMs: number;
  outcome: CallOutcome;
  /** `allowed`, or the rule of the policy that refused the call. */
  policy: string;
  /** Who approved the call; `none` while no approval is asked for. */
  approval: string;
  error?: string | undefined;
}

export interface AuditRun {
  type: 'run';
  time: string;
  run: string;
  session?: string | undefined;
  servers: string[];
  codeBytes: number;
  codeHash: string;
  status: string;
  durationMs: number;
  calls: number;
  error?: string | undefined;
}

export type AuditRecord = AuditCall | AuditRun;

/** Size and hash of a value as JSON. */
export function digest(value: unknown): { bytes: number; hash: string } {
  const text = JSON.stringify(value ?? null) ?? 'null';
  return {
    bytes: Buffer.byteLength(text),
    hash: createHash('sha256').update(text).digest('hex').slice(0, 16),
  };
}

/** A copy of `value` whose strings that look like secrets are redacted, by the config audit's detectors. */
export function redacted(value: unknown, name?: string): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (let i = 0; i < 10; i += 1) {
      const found = findSecret(text, name);
      if (!found) break;
      const redaction = `[redacted ${found.kind}: ${redactSecret(found.secret)}]`;
      text = found.secret === text ? redaction : text.replace(found.secret, redaction);
    }
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => redacted(item, name));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redacted(item, key)]));
  }
  return value;
}

export interface AuditLogOptions {
  file: string;
  /** The file is rotated (to `.1`, `.2`, …) before it grows past this. */
  maxBytes: number;
  /**
   * Rotated files kept.
   * @default 3
   */
  keep?: number;
  logger: Logger;
}

/** Appends audit records in batches; never throws (a failed write is logged once and the records are dropped). */
export class AuditLog {
  readonly file: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #logger: Logger;
  #queue: string[] = [];
  #flushing: Promise<void> | undefined;
  #size: number | undefined;
  #failed = false;

  constructor(options: AuditLogOptions) {
    this.file = options.file;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep ?? 3;
    this.#logger = options.logger;
  }

  write(record: AuditRecord): void {
    this.#queue.push(`${JSON.stringify(record)}\n`);
    if (!this.#flushing)
      this.#flushing = new Promise((resolve) => setImmediate(resolve)).then(() => this.#drain());
  }

  /** Resolves when everything written so far is in the file. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length) {
        const batch = this.#queue.join('');
        this.#queue = [];
        await this.#append(batch);
      }
    } catch (error) {
      if (!this.#failed) {
        this.#failed = true;
        this.#logger.warn('could not write the audit trail; its records are dropped until it can', {
          file: this.file,
          error: String(error),
        });
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #append(batch: string): Promise<void> {
    if (this.#size === undefined) this.#size = await this.#open();
    const bytes = Buffer.byteLength(batch);
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) {
      await this.#rotate();
      this.#size = 0;
    }
    await appendFile(this.file, batch, { mode: 0o600 });
    this.#size += bytes;
    this.#failed = false;
  }

  /** The file's size, after closing a line a crash left torn (so the next record starts on a line of its own). */
  async #open(): Promise<number> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch {
      return 0;
    }
    if (size === 0) return 0;
    const handle = await open(this.file, 'r');
    try {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] === 0x0a) return size;
    } finally {
      await handle.close();
    }
    await appendFile(this.file, '\n');
    return size + 1;
  }

  async #rotate(): Promise<void> {
    for (let index = this.#keep - 1; index >= 1; index -= 1) {
      await rename(`${this.file}.${index}`, `${this.file}.${index + 1}`).catch(() => {});
    }
    await rename(this.file, `${this.file}.1`).catch(() => {});
  }
}

/** The records of an audit trail, oldest first, its rotated files included; lines that do not parse are skipped. */
export async function readAuditTrail(file: string, keep = 3): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  const files = [...Array.from({ length: keep }, (_, i) => `${file}.${keep - i}`), file];
  for (const path of files) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const record = JSON.parse(line) as AuditRecord;
        if (record && (record.type === 'run' || record.type === 'call')) records.push(record);
      } catch {
        // A line a crash cut short: the records around it are whole.
      }
    }
  }
  return records;
}
