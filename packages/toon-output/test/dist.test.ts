// Exercises the published build (dist/), not the source: the exports map, the bundle and its dependency on
// @toon-format/toon as installed. `npm test` builds first; under CI=true a missing build fails.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ON_CI } from '@codexec/test-support';
import { decode } from '@toon-format/toon';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const built = existsSync(entry);
if (!built && !ON_CI) {
  console.warn(
    `\n*** toon-output: SKIPPING the dist tests: ${entry} does not exist. Run \`pnpm --filter @codexec/toon-output build\` (npm test does). ***\n`,
  );
}

type Api = typeof import('../src/index.js');
const load = async (): Promise<Api> => (await import(pathToFileURL(entry).href)) as Api;

describe.skipIf(!built && !ON_CI)('built package (dist/index.js)', () => {
  it('exists', () => {
    expect(built, `${entry} is missing: run the build before the tests`).toBe(true);
  });

  it('renders a run as the smaller of a TOON and a JSON block, each decoding to its structured payload', async () => {
    const { render, structuredResultSchema, DEFAULT_MAX_CHARS } = await load();
    const result = render({
      status: 'success',
      stdout: 'hello\n\nworld\n',
      value: { repr: '[1, 2]', json: [1, 2] },
    });
    expect(result.structured).toEqual({
      status: 'success',
      summary: 'Success',
      stdout: ['hello', 'world'],
      value: [1, 2],
    });
    expect(result.text).toBe(`\`\`\`json\n${JSON.stringify(result.structured)}\n\`\`\``);
    const rows = Array.from({ length: 20 }, (_, id) => ({ id, name: `user ${id}` }));
    const table = render({ status: 'success', value: { repr: 'rows', json: rows } });
    expect(table.text.startsWith('```toon\nstatus: success\n')).toBe(true);
    expect(decode(table.text.slice('```toon\n'.length, -'\n```'.length))).toEqual(table.structured);
    expect(structuredResultSchema.required).toEqual(['status', 'summary']);
    expect(DEFAULT_MAX_CHARS).toBe(100_000);
  });

  it('caps huge output and throws its typed error for bad options', async () => {
    const { render, renderValue, ToonOutputError } = await load();
    const result = render(
      { status: 'error', stdout: 'x\n'.repeat(1_000_000), error: 'boom' },
      { mode: 'compact', maxChars: 2000 },
    );
    expect(result.text.length).toBeLessThanOrEqual(2000);
    expect(result.text).toMatch(/^Sandbox error: boom\n/);
    expect(result.structured.truncated?.stdout?.omittedLines).toBeGreaterThan(0);
    expect(renderValue([{ a: 1 }, { a: 2 }], { fence: false })).toBe('[2]{a}:\n  1\n  2');
    expect(() => render({ status: 'success' }, { maxChars: 1 })).toThrow(ToonOutputError);
  });
});
