/**
 * The audit trail: one JSON line per run and per tool call, appended to a file under the project's state directory.
 * Lines are written whole, in batches (one write to a file kept open, at most `FLUSH_MS` after a record), a line
 * left torn by a crash is closed before anything is appended after it, and readers skip what does not parse. The
 * file is rotated by size.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findSecret, redactSecret } from '@codexec/config-discovery';
import type { Logger } from '../logger.js';

/** How long a record may wait to be written with the ones after it: one write per batch, not per call. */
const FLUSH_MS = 20;
/** A batch this large is written at once. */
const FLUSH_BYTES = 256 * 1024;

/** The audit trail's file name in the project's state directory. */
const AUDIT_FILE = 'audit.jsonl';

/** Where the audit trail is: `MCP_BRIDGE_AUDIT_LOG`, else in the project's state directory; undefined when off. */
export function auditFileOf(auditLog: string | undefined, projectDir: string): string | undefined {
  if (auditLog === 'off') return undefined;
  return auditLog ?? join(projectDir, AUDIT_FILE);
}

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
  #queuedBytes = 0;
  /** Records to be built once the work in hand is done (`writeLater`), oldest first. */
  #later: (() => AuditRecord)[] = [];
  #laterScheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #handle: FileHandle | undefined;
  #size = 0;
  #failed = false;

  constructor(options: AuditLogOptions) {
    this.file = options.file;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep ?? 3;
    this.#logger = options.logger;
  }

  write(record: AuditRecord): void {
    // Records asked for earlier go first: the trail keeps the order they were asked in.
    if (this.#later.length) this.#buildLater();
    this.#enqueue(record);
  }

  /**
   * Writes the record `build` returns, built after the I/O in hand: a tool call's answer goes back to the code before
   * its record's hashes are computed. `flush`, `close` and `write` build what is waiting first.
   */
  writeLater(build: () => AuditRecord): void {
    this.#later.push(build);
    if (this.#laterScheduled) return;
    this.#laterScheduled = true;
    setImmediate(() => this.#buildLater());
  }

  #buildLater(): void {
    this.#laterScheduled = false;
    const later = this.#later;
    this.#later = [];
    for (const build of later) {
      let record: AuditRecord;
      try {
        record = build();
      } catch (error) {
        // Nothing a call returns may stop the bridge: the record is dropped, and said so.
        this.#logger.warn('could not build an audit record; it is dropped', { error: String(error) });
        continue;
      }
      this.#enqueue(record);
    }
  }

  #enqueue(record: AuditRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    if (this.#queuedBytes >= FLUSH_BYTES) this.#startWriting();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#startWriting(), FLUSH_MS);
      this.#timer.unref();
    }
  }

  /** Resolves when everything written so far is in the file. */
  async flush(): Promise<void> {
    if (this.#later.length) this.#buildLater();
    if (this.#queue.length) this.#startWriting();
    while (this.#writing) await this.#writing;
  }

  /** Writes what is left and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await this.#handle?.close().catch(() => {});
    this.#handle = undefined;
  }

  #startWriting(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = undefined;
      if (this.#queue.length) this.#startWriting();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length) {
      const batch = this.#queue.join('');
      this.#queue = [];
      this.#queuedBytes = 0;
      try {
        await this.#append(batch);
        this.#failed = false;
      } catch (error) {
        await this.#handle?.close().catch(() => {});
        this.#handle = undefined;
        if (!this.#failed) {
          this.#failed = true;
          this.#logger.warn('could not write the audit trail; its records are dropped until it can', {
            file: this.file,
            error: String(error),
          });
        }
      }
    }
  }

  async #append(batch: string): Promise<void> {
    const bytes = Buffer.byteLength(batch);
    if (!this.#handle) await this.#open();
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) await this.#rotate();
    await this.#handle!.write(batch);
    this.#size += bytes;
  }

  /** Opens the file for appending, after closing a line a crash left torn (the next record starts a line). */
  async #open(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const handle = await open(this.file, 'a+', 0o600);
    try {
      const { size } = await handle.stat();
      this.#size = size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          await handle.write('\n');
          this.#size += 1;
        }
      }
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    this.#handle = handle;
  }

  async #rotate(): Promise<void> {
    await this.#handle?.close().catch(() => {});
    this.#handle = undefined;
    for (let index = this.#keep - 1; index >= 1; index -= 1) {
      await rename(`${this.file}.${index}`, `${this.file}.${index + 1}`).catch(() => {});
    }
    await rename(this.file, `${this.file}.1`).catch(() => {});
    await this.#open();
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
