import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  ByteTail,
  formatBytes,
  formatDuration,
  LineTail,
  linkedSignal,
  messageOf,
  onAbort,
  untilAborted,
} from './index.js';

function listenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

describe('onAbort', () => {
  it('calls at once for an aborted signal, once on abort, and never after being detached', () => {
    const seen: unknown[] = [];
    onAbort(AbortSignal.abort('early'), (reason) => seen.push(reason));
    const controller = new AbortController();
    const off = onAbort(controller.signal, (reason) => seen.push(reason));
    const detached = new AbortController();
    onAbort(detached.signal, (reason) => seen.push(reason))();
    controller.abort('late');
    controller.abort('again');
    detached.abort('never');
    off();
    expect(seen).toEqual(['early', 'late']);
    expect(onAbort(undefined, () => seen.push('x'))).toBeTypeOf('function');
  });
});

describe('linkedSignal', () => {
  it('aborts with the reason of whichever parent aborts first, and unlinks from all of them', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal([a.signal, undefined, b.signal]);
    expect(listenerCount(a.signal)).toBe(1);
    b.abort('b went');
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('b went');
    linked.unlink();
    expect(listenerCount(a.signal)).toBe(0);
  });

  it('is aborted already when a parent is, and aborts on its own', () => {
    expect(linkedSignal([AbortSignal.abort('gone')]).signal.reason).toBe('gone');
    const own = linkedSignal([]);
    own.abort('mine');
    expect(own.signal.reason).toBe('mine');
  });
});

describe('untilAborted', () => {
  it('settles with the work and leaves no listener on a long-lived signal', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i += 1) await untilAborted(Promise.resolve(i), controller.signal);
    await expect(untilAborted(Promise.reject(new Error('failed')), controller.signal)).rejects.toThrow(
      'failed',
    );
    expect(listenerCount(controller.signal)).toBe(0);
  });

  it('rejects with the reason as soon as the signal aborts, though the work never settles', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise(() => {}), controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(untilAborted(Promise.resolve(1), AbortSignal.abort(new Error('before')))).rejects.toThrow(
      'before',
    );
    await expect(untilAborted(Promise.resolve(2), undefined)).resolves.toBe(2);
  });
});

describe('ByteTail', () => {
  it('keeps exactly the last bytes across chunks, dropping whole chunks it no longer needs', () => {
    const tail = new ByteTail(10);
    for (const chunk of ['hello ', 'world, ', 'this is ', 'the end']) tail.push(Buffer.from(chunk));
    expect(tail.text()).toBe('is the end');
    const small = new ByteTail(100);
    small.push(Buffer.from('short'));
    expect(small.text()).toBe('short');
  });
});

describe('LineTail', () => {
  it('joins lines split across chunks, cuts long ones, and keeps the last ones with the unfinished line', () => {
    const tail = new LineTail(3, 5);
    expect(tail.push('one\r\ntw')).toEqual(['one']);
    expect(tail.push('o\nthree\nfour-and-more\nfiv')).toEqual(['two', 'three', 'four-…']);
    expect(tail.snapshot()).toEqual(['three', 'four-…', 'fiv']);
  });
});

describe('formatBytes and formatDuration', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [4 * 1024 * 1024, '4 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [512 * 1024 ** 2 + 40 * 1024 ** 2, '552 MiB'],
  ])('%d bytes read as %s', (value, text) => expect(formatBytes(value)).toBe(text));

  it.each([
    [250, '250 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [30_000, '30 s'],
    [90_000, '90 s'],
    [120_000, '2 min'],
  ])('%d ms read as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('messageOf', () => {
  it("is an Error's message, or the value as text", () => {
    expect(messageOf(new TypeError('bad input'))).toBe('bad input');
    expect(messageOf('plain words')).toBe('plain words');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
