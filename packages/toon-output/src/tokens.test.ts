import { describe, expect, it } from 'vitest';
import { tokenRows, tokenTable } from '../test/token-comparison.js';

describe('token cost of TOON against JSON (o200k_base)', () => {
  it('reports the comparison, and TOON is smaller on tabular data', async ({ annotate }) => {
    const rows = tokenRows();
    await annotate(`\n${tokenTable(rows)}`);
    for (const row of rows) {
      expect(row.toon).toBeGreaterThan(0);
      expect(row.json).toBeGreaterThan(0);
    }
    const tabular = rows.filter((row) => row.name.includes('50'));
    expect(tabular).toHaveLength(2);
    for (const row of tabular) expect(row.toon).toBeLessThan(row.json);
  });
});
