import { expect, test } from 'vitest';
import { HUGE_LINE_BYTES, hugeText } from './huge-text.js';

test('hugeText has the exact length and the documented 64-byte lines', () => {
  const text = hugeText(1000);
  expect(text).toHaveLength(1000);
  const lines = text.split('\n');
  expect(lines[0]).toBe('0000000000 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
  expect(lines[1]).toBe('0000000001 BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzA');
  expect(`${lines[0]}\n`).toHaveLength(HUGE_LINE_BYTES);
  expect(lines.at(-1)).toBe('0000000015 PQRSTUVWXYZabcdefghijklmnopqrst'.slice(0, 1000 - 15 * 64));
});
