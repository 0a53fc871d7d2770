import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';

describe('EventLog', () => {
  it('gives every change the next revision and tells the listeners', () => {
    const log = new EventLog<string>(10);
    const told: number[] = [];
    const unsubscribe = log.subscribe((change) => told.push(change.revision));
    log.record('ADDED', (revision) => `a@${revision}`);
    unsubscribe();
    const change = log.record('MODIFIED', (revision) => `a@${revision}`);
    expect(change).toEqual({ revision: 2, type: 'MODIFIED', object: 'a@2' });
    expect(log.revision).toBe(2);
    expect(told).toEqual([1]);
  });

  it.each([
    [0, [1, 2, 3]],
    [1, [2, 3]],
    [3, []],
    [7, []],
  ])('keeps the changes after revision %i while none was dropped', (from, revisions) => {
    const log = new EventLog<null>(5);
    for (let i = 0; i < 3; i++) log.record('ADDED', () => null);
    const since = log.since(from);
    expect(since === 'expired' ? since : since.map((change) => change.revision)).toEqual(revisions);
  });

  it.each([
    [0, 'expired'],
    [1, 'expired'],
    [2, [3, 4]],
    [3, [4]],
  ])('after dropping old changes, a watch from %i gets %j', (from, expected) => {
    const log = new EventLog<null>(2);
    for (let i = 0; i < 4; i++) log.record('MODIFIED', () => null);
    const since = log.since(from);
    expect(since === 'expired' ? since : since.map((change) => change.revision)).toEqual(expected);
    expect(log.oldest).toBe(2);
  });
});
