import { describe, expect, it } from 'vitest';
import { tokenRows, tokenTable } from '../test/token-comparison.js';

// Tokens are o200k_base's (js-tiktoken). The text is counted whole, fence included; the JSON side is the same
// payload minified (JSON.stringify) inside a ```json fence, so both sides pay the same framing: the ```json block
// the text falls back to is exactly that, and ties at 1.00×. Every fixture the package or the bench reports is here.
describe('result tokens against minified JSON (o200k_base)', () => {
  const rows = tokenRows();

  it('reports the comparison', async ({ annotate }) => {
    await annotate(`\n${tokenTable(rows)}`);
    expect(rows.map((row) => row.name)).toContain('run returning 40 issues (bench)');
  });

  it.each(rows)('$name: the text takes no more tokens than minified JSON', (row) => {
    expect(row.rendered).toBeLessThanOrEqual(row.minifiedJson);
  });

  it.each(rows.filter((row) => !row.name.includes('renderValue')))(
    '$name: the text is the smaller of its TOON and JSON forms',
    (row) => {
      expect(row.rendered).toBe(Math.min(row.toon, row.minifiedJson));
    },
  );

  // The 40 issues are mostly free text: about 23 tokens of each row are title, date and numbers, which JSON holds
  // as well (at about 42 tokens a row in all). A TOON row adds at least a line break and five delimiters (29), so
  // the rows alone take 1,160 tokens and the block's header 44 more: over 0.7 × 1,703 = 1,192 for any TOON the
  // reference decoder reads. Its bound is what the table takes now; the records of short fields stay under 0.7×.
  const tableBound: Record<string, number> = { 'run returning 40 issues (bench)': 0.77 };
  it.each(rows.filter((row) => row.table))(
    '$name: a uniform table is a TOON block of at most 0.7× minified JSON',
    (row) => {
      expect(row.form).toBe('toon');
      expect(row.rendered / row.minifiedJson).toBeLessThanOrEqual(tableBound[row.name] ?? 0.7);
    },
  );
});
