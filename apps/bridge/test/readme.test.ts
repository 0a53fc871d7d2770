import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/settings.js';

// The README's settings table is written by hand; this keeps it complete.
describe('the README', () => {
  it('documents every setting with its variable and flag', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const s of SETTINGS) {
      if (s.env) expect(readme, s.env).toContain(`\`${s.env}\``);
      if (s.flag) expect(readme, s.flag).toContain(`\`--${s.flag}`);
    }
  });
});
