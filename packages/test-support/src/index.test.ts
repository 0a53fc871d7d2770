import { describe, expect, it } from 'vitest';
import { isCi } from './index.js';

describe('isCi', () => {
  it.each(['true', 'TRUE', '1', 'yes', ' true '])('CI=%j is CI', (value) => {
    expect(isCi({ CI: value })).toBe(true);
  });

  it.each([undefined, '', '0', 'false', 'no', 'maybe'])('CI=%j is not', (value) => {
    expect(isCi({ CI: value })).toBe(false);
  });
});
