import { describe, expect, it } from 'vitest';
import { cpus, memoryBytes, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['64Ki', 65_536],
    ['1G', 1e9],
    ['1500m', 1.5],
    ['2', 2],
    ['0.5', 0.5],
    ['1e3', 1000],
    ['128974848', 128_974_848],
  ])('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it.each(['', 'lots', '1 Gi', '1gi', '1Mb', 'Mi'])('%j is not a quantity', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('memoryBytes and cpus', () => {
  it('gives whole bytes and CPUs at 1m precision', () => {
    expect(memoryBytes('512Mi')).toBe(536_870_912);
    expect(memoryBytes('1.5Ki')).toBe(1536);
    expect(memoryBytes('0')).toBeUndefined();
    expect(cpus('1500m')).toBe('1.5');
    expect(cpus('2')).toBe('2');
    expect(cpus('100m')).toBe('0.1');
    expect(cpus('0')).toBeUndefined();
  });
});
