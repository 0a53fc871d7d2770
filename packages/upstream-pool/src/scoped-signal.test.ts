import { expect, test } from 'vitest';
import { scopedSignal } from './scoped-signal.js';

test('follows the parent until disposed, then no longer', () => {
  const parent = new AbortController();
  const first = scopedSignal(parent.signal);
  const second = scopedSignal(parent.signal);
  second.dispose();
  parent.abort('stop');
  expect(first.signal.aborted).toBe(true);
  expect(first.signal.reason).toBe('stop');
  expect(second.signal.aborted).toBe(false);
});

test('an already aborted parent gives an aborted signal; no parent gives one that never aborts', () => {
  expect(scopedSignal(AbortSignal.abort('x')).signal.aborted).toBe(true);
  expect(scopedSignal(undefined).signal.aborted).toBe(false);
});
