import { describe, expect, it } from 'vitest';
import { parseWatchQuery } from './watch-query.js';

const parse = (query: string) => parseWatchQuery(new URLSearchParams(query));

describe('parseWatchQuery', () => {
  it.each([
    ['watch=true', { name: undefined, labels: [], resourceVersion: undefined, timeoutSeconds: 1800 }],
    ['fieldSelector=metadata.name%3Dp1&resourceVersion=12', { name: 'p1', resourceVersion: 12 }],
    ['fieldSelector=metadata.name%3D%3Dp1', { name: 'p1' }],
    ['resourceVersion=0&timeoutSeconds=5', { resourceVersion: undefined, timeoutSeconds: 5 }],
    ['labelSelector=a%3Db', { labels: [{ key: 'a', value: 'b', equal: true }] }],
  ])('reads %s', (query, expected) => {
    expect(parse(query)).toMatchObject(expected);
  });

  it.each([
    ['fieldSelector=status.phase%3DRunning', /field selector "status.phase=Running"/],
    ['resourceVersion=abc', /invalid resource version "abc"/],
    ['timeoutSeconds=-1', /invalid timeoutSeconds/],
    ['labelSelector=a%20in%20(b)', /unable to parse requirement/],
  ])('refuses %s', (query, message) => {
    expect(parse(query)).toMatch(message);
  });
});
