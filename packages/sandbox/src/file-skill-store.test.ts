import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSkillStore } from './file-skill-store.js';
import { checkSkillName, type SkillRecord, skillSummary, staleReason, staleText } from './skill-store.js';
import { skillDoc } from './skills-host.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codexec-skills-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (name: string, extra: Partial<SkillRecord> = {}): SkillRecord => ({
  name,
  source: `def ${name}():\n    return 1\n`,
  async: false,
  uses: [],
  created: '2026-12-01T10:00:00.000Z',
  updated: '2026-12-01T10:00:00.000Z',
  ...extra,
});

describe('createFileSkillStore', () => {
  it('saves, lists in name order, reads, replaces keeping the creation time, and deletes', async () => {
    const store = createFileSkillStore({ dir: join(dir, 'skills') });
    expect(await store.list()).toEqual([]);
    await store.save(record('zeta'));
    await store.save(record('alpha', { description: 'first' }));
    expect((await store.list()).map((r) => r.name)).toEqual(['alpha', 'zeta']);
    const replaced = await store.save(
      record('alpha', { created: '2030-01-01T00:00:00.000Z', description: 'second' }),
    );
    expect(replaced.created).toBe('2026-12-01T10:00:00.000Z');
    expect((await store.get('alpha'))?.description).toBe('second');
    expect(await store.delete('alpha')).toBe(true);
    expect(await store.delete('alpha')).toBe(false);
    expect((await store.list()).map((r) => r.name)).toEqual(['zeta']);
  });

  it('sees changes made by another store on the same directory', async () => {
    const one = createFileSkillStore({ dir });
    const two = createFileSkillStore({ dir });
    expect(await one.list()).toEqual([]);
    await two.save(record('shared'));
    expect((await one.list()).map((r) => r.name)).toEqual(['shared']);
  });

  it('keeps stale marks per server and clears them', async () => {
    const store = createFileSkillStore({ dir });
    await store.save(
      record('f', {
        uses: [
          { server: 'a', tool: 't' },
          { server: 'b', tool: 'u' },
        ],
      }),
    );
    await store.setStale('f', 'a', 'a.t no longer exists');
    await store.setStale('f', 'b', 'b.u changed its input schema since the tool was saved');
    expect(staleText((await store.get('f'))!)).toBe(
      'a.t no longer exists; b.u changed its input schema since the tool was saved',
    );
    await store.setStale('f', 'a', undefined);
    expect(skillSummary((await store.get('f'))!).stale).toBe(
      'b.u changed its input schema since the tool was saved',
    );
    await store.setStale('f', 'b', undefined);
    expect((await store.get('f'))!.staleBy).toBeUndefined();
    await store.setStale('missing', 'a', 'x');
  });

  it('leaves out an unreadable file, refuses bad names, and leaves no temporary files', async () => {
    const store = createFileSkillStore({ dir });
    await store.save(record('good'));
    await writeFile(join(dir, 'broken.json'), '{nope');
    expect((await store.list()).map((r) => r.name)).toEqual(['good']);
    await expect(store.save(record('../x'))).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await expect(store.get('a/b')).rejects.toMatchObject({ code: 'INVALID_NAME' });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('staleReason', () => {
  const saved = record('f', {
    uses: [
      { server: 's', tool: 'kept', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } },
      { server: 's', tool: 'changed', inputSchema: { type: 'object' } },
      { server: 'other', tool: 'x' },
    ],
  });
  it('names tools that are gone or changed, and servers that are gone', () => {
    expect(
      staleReason(saved, 's', [
        { name: 'kept', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } },
        { name: 'changed', inputSchema: { type: 'object', required: ['b'] } },
      ]),
    ).toBe('s.changed changed its input schema since the tool was saved');
    expect(staleReason(saved, 's', [])).toBe('s.kept no longer exists; s.changed no longer exists');
    expect(staleReason(saved, 'other', undefined)).toBe('server other is no longer configured');
    expect(staleReason(saved, 'unrelated', [])).toBeUndefined();
    expect(
      staleReason(saved, 's', [
        { name: 'changed', inputSchema: { type: 'object' } },
        { name: 'kept', inputSchema: { properties: { a: { type: 'string' } }, type: 'object' } },
      ]),
    ).toBeUndefined();
  });
});

describe('names and docs', () => {
  it.each(['ok', '_x', 'a1'])('accepts %s', (name) => expect(checkSkillName(name)).toBe(name));
  it.each(['', '1a', 'a-b', 'a b', 'x'.repeat(101), '../etc'])('refuses %j', (name) =>
    expect(() => checkSkillName(name)).toThrow(/not a name/),
  );
  it('documents a saved tool with its signature, calls and staleness', () => {
    const doc = skillDoc(
      record('open_issues', {
        async: true,
        signature: '(repo)',
        description: 'Open issues',
        uses: [{ server: 'github', tool: 'search' }],
        staleBy: { github: 'github.search no longer exists' },
      }),
    );
    expect(doc).toEqual({
      server: 'skills',
      tool: 'open_issues',
      description:
        'async open_issues(repo) — Open issues — calls github.search — STALE: github.search no longer exists',
    });
  });
});
