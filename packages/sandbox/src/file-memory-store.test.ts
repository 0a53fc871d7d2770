import { fork } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileMemoryStore } from './file-memory-store.js';
import { checkMemoryKey, MemoryStoreError, updatedValue } from './memory-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codexec-memory-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const codeOf = async (work: Promise<unknown>): Promise<string | undefined> => {
  try {
    await work;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(MemoryStoreError);
    return (error as MemoryStoreError).code;
  }
};

describe('createFileMemoryStore', () => {
  it('stores, reads, lists by prefix, and deletes JSON values', async () => {
    const store = createFileMemoryStore({ dir: join(dir, 'nested', 'memory') });
    expect(await store.get('prefs')).toBeUndefined();
    const info = await store.set('prefs', { theme: 'dark', sizes: [1, 2.5, null] });
    expect(info).toMatchObject({ key: 'prefs', size: '{"theme":"dark","sizes":[1,2.5,null]}'.length });
    await store.set('user:1', 'Ada');
    await store.set('user:2', 'Bob');
    const record = await store.get('prefs');
    expect(record).toMatchObject({ key: 'prefs', value: { theme: 'dark', sizes: [1, 2.5, null] } });
    expect(Date.parse(record!.created)).not.toBeNaN();
    expect((await store.list('')).memories.map((m) => m.key)).toEqual(['prefs', 'user:1', 'user:2']);
    expect((await store.list('user:')).memories.map((m) => m.key)).toEqual(['user:1', 'user:2']);
    expect(await store.delete('user:1')).toBe(true);
    expect(await store.delete('user:1')).toBe(false);
    expect((await store.list('user:')).memories.map((m) => m.key)).toEqual(['user:2']);
  });

  it('keeps the creation time and moves the update time on a rewrite', async () => {
    const store = createFileMemoryStore({ dir });
    const first = await store.set('k', 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await store.set('k', 2);
    expect(second.created).toBe(first.created);
    expect(second.updated > first.updated).toBe(true);
  });

  it.each([['../x'], ['/etc/passwd'], ['a\u0000b'], ['k'.repeat(201)], [''], ['.'], ['..'], ['back\\slash']])(
    'refuses the key %j and writes nothing',
    async (key) => {
      const store = createFileMemoryStore({ dir });
      expect(await codeOf(store.set(key, 1))).toBe('INVALID_KEY');
      expect(await codeOf(store.get(key))).toBe('INVALID_KEY');
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('accepts names of any other characters, and keeps them apart', async () => {
    const store = createFileMemoryStore({ dir });
    const keys = ['é', 'a b', 'a:b', 'x'.repeat(200), '..x', 'emoji 😀', 'A', 'a'];
    for (const [i, key] of keys.entries()) await store.set(key, i);
    for (const [i, key] of keys.entries()) expect((await store.get(key))?.value).toBe(i);
    expect(checkMemoryKey('ok')).toBe('ok');
  });

  it('refuses values that are not JSON or too large, and changes nothing', async () => {
    const store = createFileMemoryStore({ dir, maxValueBytes: 100, maxTotalBytes: 1000 });
    await store.set('kept', 'original');
    expect(await codeOf(store.set('kept', Number.NaN))).toBe('NOT_JSON');
    expect(await codeOf(store.set('kept', 'x'.repeat(200)))).toBe('TOO_LARGE');
    expect((await store.get('kept'))?.value).toBe('original');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(await codeOf(store.set('cycle', cycle))).toBe('NOT_JSON');
    expect(await codeOf(store.set('undefined', undefined))).toBe('NOT_JSON');
  });

  it('refuses a write that would pass the total cap, keeping what is there', async () => {
    const store = createFileMemoryStore({ dir, maxValueBytes: 400, maxTotalBytes: 1000 });
    for (let i = 0; i < 3; i++) await store.set(`k${i}`, 'x'.repeat(200));
    expect(await codeOf(store.set('k3', 'x'.repeat(300)))).toBe('QUOTA');
    expect((await store.list('')).memories.map((m) => m.key)).toEqual(['k0', 'k1', 'k2']);
    // Replacing a value counts the new size, not both.
    await store.set('k0', 'y'.repeat(250));
    expect((await store.get('k0'))?.value).toBe('y'.repeat(250));
  });

  it('reports a corrupt file and keeps every other key readable', async () => {
    const store = createFileMemoryStore({ dir });
    await store.set('good', 1);
    await store.set('bad', 2);
    const files = await readdir(dir);
    const bad = [];
    for (const file of files) {
      if ((await readFile(join(dir, file), 'utf8')).includes('"bad"')) bad.push(file);
    }
    await writeFile(join(dir, bad[0]!), '{"key": "bad", "value": [tor');
    expect(await codeOf(store.get('bad'))).toBe('CORRUPT');
    expect((await store.get('good'))?.value).toBe(1);
    const listing = await store.list('');
    expect(listing.memories.map((m) => m.key)).toEqual(['good']);
    expect(listing.problems).toHaveLength(1);
    expect(listing.problems[0]!.message).toMatch(/not valid JSON/);
    // Saving over a corrupt record repairs it.
    await store.set('bad', 3);
    expect((await store.get('bad'))?.value).toBe(3);
  });

  it('two processes writing the same store at once never leave a torn or partial file', async () => {
    const script = join(dir, 'writer.mjs');
    const storeModule = new URL('./file-memory-store.ts', import.meta.url).href;
    await writeFile(
      script,
      `const { createFileMemoryStore } = await import(${JSON.stringify(storeModule)});
const store = createFileMemoryStore({ dir: ${JSON.stringify(join(dir, 'shared'))} });
const tag = process.argv[2];
for (let i = 0; i < 150; i++) await store.set('shared-' + (i % 5), { tag, i, pad: 'p'.repeat(2000 + i) });
process.send('done');`,
    );
    const run = (tag: string) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(script, [tag], { execArgv: ['--import', 'tsx'] });
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`writer ${tag} exited ${code}`)),
        );
      });
    await Promise.all([run('a'), run('b')]);
    const store = createFileMemoryStore({ dir: join(dir, 'shared') });
    const listing = await store.list('');
    expect(listing.problems).toEqual([]);
    expect(listing.memories.map((m) => m.key)).toEqual([
      'shared-0',
      'shared-1',
      'shared-2',
      'shared-3',
      'shared-4',
    ]);
    for (const memory of listing.memories) {
      const value = (await store.get(memory.key))?.value as { tag: string; i: number; pad: string };
      expect(['a', 'b']).toContain(value.tag);
      expect(value.pad).toHaveLength(2000 + value.i);
    }
    // No temporary file is left behind.
    expect((await readdir(join(dir, 'shared'))).filter((f) => !f.endsWith('.json'))).toEqual([]);
  });
});

describe('updatedValue', () => {
  it.each([
    [
      { a: 1, b: 2 },
      { b: 3, c: 4 },
      { a: 1, b: 3, c: 4 },
    ],
    [[1], [2], [2]],
    [{ a: 1 }, 'text', 'text'],
    ['text', { a: 1 }, { a: 1 }],
    [null, { a: 1 }, { a: 1 }],
  ])('%j updated with %j is %j', (stored, given, expected) => {
    expect(updatedValue(stored, given)).toEqual(expected);
  });
});
