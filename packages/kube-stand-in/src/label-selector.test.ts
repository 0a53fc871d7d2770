import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

describe('parseLabelSelector', () => {
  it('reads equality and inequality terms', () => {
    expect(parseLabelSelector('a=1, b==2,c!=3')).toEqual([
      { key: 'a', value: '1', equal: true },
      { key: 'b', value: '2', equal: true },
      { key: 'c', value: '3', equal: false },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
  });

  it('refuses set-based terms', () => {
    expect(parseLabelSelector('env in (a,b)')).toMatch(/unable to parse requirement/);
    expect(parseLabelSelector('!a')).toMatch(/unable to parse/);
  });

  it('matches every requirement', () => {
    const requirements = parseLabelSelector('app.kubernetes.io/managed-by=codexec,x!=1');
    if (typeof requirements === 'string') throw new Error(requirements);
    expect(matchesLabels(requirements, { 'app.kubernetes.io/managed-by': 'codexec' })).toBe(true);
    expect(matchesLabels(requirements, { 'app.kubernetes.io/managed-by': 'codexec', x: '1' })).toBe(false);
    expect(matchesLabels(requirements, {})).toBe(false);
  });
});
