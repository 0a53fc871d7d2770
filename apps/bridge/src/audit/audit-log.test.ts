import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLineLogger } from '../logger.js';
import { type AuditCall, AuditLog, type AuditRun, digest, readAuditTrail, redacted } from './audit-log.js';

const logger = createLineLogger({ level: 'silent', write: () => {} });

function runRecord(run: string, extra: Partial<AuditRun> = {}): AuditRun {
  return {
    type: 'run',
    time: '2026-12-02T10:00:00.000Z',
    run,
    servers: ['test'],
    codeBytes: 10,
    codeHash: digest('print(1)').hash,
    status: 'success',
    durationMs: 5,
    calls: 0,
    ...extra,
  };
}

function callRecord(run: string, tool: string): AuditCall {
  const args = digest({ message: 'x' });
  return {
    type: 'call',
    time: '2026-12-02T10:00:00.001Z',
    run,
    server: 'test',
    tool,
    argumentsBytes: args.bytes,
    argumentsHash: args.hash,
    durationMs: 1,
    outcome: 'ok',
    policy: 'allowed',
    approval: 'none',
  };
}

describe('the audit trail', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codexec-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends whole lines in order, in a directory it makes, readable only by the user', async () => {
    const file = join(dir, 'state', 'audit.jsonl');
    const log = new AuditLog({ file, maxBytes: 1024 * 1024, logger });
    log.write(callRecord('r1', 'echo'));
    log.write(callRecord('r1', 'add'));
    log.write(runRecord('r1', { calls: 2 }));
    await log.flush();
    const text = await readFile(file, 'utf8');
    expect((await stat(file)).mode & 0o077).toBe(0);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(3);
    const records = await readAuditTrail(file);
    expect(records.map((r) => (r.type === 'call' ? r.tool : r.type))).toEqual(['echo', 'add', 'run']);
  });

  it('builds a record asked for later after the I/O in hand, in the order asked, and before a flush', async () => {
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ file, maxBytes: 1024 * 1024, logger });
    const built: string[] = [];
    const later = (tool: string) => () => {
      built.push(tool);
      return callRecord('r1', tool);
    };
    log.writeLater(later('echo'));
    log.writeLater(later('add'));
    expect(built).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(built).toEqual(['echo', 'add']);
    // A record written at once goes after those asked for earlier; a flush builds what waits.
    log.writeLater(later('slow'));
    log.write(runRecord('r1', { calls: 3 }));
    log.writeLater(later('last'));
    await log.flush();
    const records = await readAuditTrail(file);
    expect(records.map((r) => (r.type === 'call' ? r.tool : r.type))).toEqual([
      'echo',
      'add',
      'slow',
      'run',
      'last',
    ]);
  });

  it('drops a record that cannot be built, says so, and keeps the others', async () => {
    const lines: string[] = [];
    const warn = createLineLogger({ level: 'warn', write: (line) => lines.push(line) });
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ file, maxBytes: 1024 * 1024, logger: warn });
    log.writeLater(() => {
      throw new TypeError('Do not know how to serialize a BigInt');
    });
    log.writeLater(() => callRecord('r1', 'echo'));
    await log.flush();
    expect((await readAuditTrail(file)).map((r) => r.run)).toEqual(['r1']);
    expect(lines.filter((line) => line.includes('could not build an audit record'))).toHaveLength(1);
  });

  it('closes a line a crash left torn, and readers skip it', async () => {
    const file = join(dir, 'audit.jsonl');
    await writeFile(file, `${JSON.stringify(runRecord('r1'))}\n{"type":"call","run":"r2","ser`);
    const log = new AuditLog({ file, maxBytes: 1024 * 1024, logger });
    log.write(runRecord('r3'));
    await log.flush();
    const records = await readAuditTrail(file);
    expect(records.map((r) => r.run)).toEqual(['r1', 'r3']);
    expect((await readFile(file, 'utf8')).split('\n')[2]).toBe(JSON.stringify(runRecord('r3')));
  });

  it('rotates by size and keeps three older files, read back in order', async () => {
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ file, maxBytes: 600, logger });
    for (let i = 0; i < 12; i += 1) {
      log.write(runRecord(`r${i}`));
      await log.flush();
    }
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2', 'audit.jsonl.3']);
    const runs = (await readAuditTrail(file)).map((r) => Number(r.run.slice(1)));
    // The oldest went with the fourth older file; what is kept is in order and ends with the newest.
    expect(runs).toEqual([...runs].sort((a, b) => a - b));
    expect(runs.at(-1)).toBe(11);
    expect(runs.length).toBeGreaterThan(4);
  });

  it('never throws when the file cannot be written, and says so once', async () => {
    const lines: string[] = [];
    const warn = createLineLogger({ level: 'warn', write: (line) => lines.push(line) });
    await writeFile(join(dir, 'blocker'), 'a file where a directory should be');
    const log = new AuditLog({ file: join(dir, 'blocker', 'audit.jsonl'), maxBytes: 1024, logger: warn });
    log.write(runRecord('r1'));
    await log.flush();
    log.write(runRecord('r2'));
    await log.flush();
    expect(lines.filter((line) => line.includes('could not write the audit trail'))).toHaveLength(1);
  });

  it('hashes what it does not keep, and redacts secrets in what it keeps', () => {
    expect(digest({ a: 1 })).toEqual({ bytes: 7, hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(digest({ a: 1 }).hash).not.toBe(digest({ a: 2 }).hash);
    const token = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
    const out = redacted({ query: 'issues', auth: { token }, note: `use ${token} here`, n: 3 }) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(out)).not.toContain(token);
    expect(out.query).toBe('issues');
    expect(out.n).toBe(3);
    expect(String(out.note)).toMatch(/^use \[redacted GitHub token: ghp_… \(\d+ chars\)\] here$/);
  });
});
