import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedSignal, untilAborted } from './abort.js';

describe('untilAborted', () => {
  it('resolves with the work and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(42), controller.signal)).resolves.toBe(42);
    await expect(untilAborted(Promise.reject(new Error('no')), controller.signal)).rejects.toThrow('no');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason as soon as the signal fires, and at once when it already has', async () => {
    const controller = new AbortController();
    const pending = untilAborted(new Promise(() => {}), controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(untilAborted(Promise.resolve(1), controller.signal)).rejects.toThrow('stop');
  });
});

describe('linkedSignal', () => {
  it('aborts when any of its signals does, with that reason, and unlink detaches it', () => {
    const a = new AbortController();
    const b = new AbortController();
    const { controller, unlink } = linkedSignal([a.signal, b.signal]);
    b.abort('b went');
    expect(controller.signal.reason).toBe('b went');
    unlink();
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
  });

  it('is aborted from the start when a signal already is', () => {
    const { controller } = linkedSignal([AbortSignal.abort('early')]);
    expect(controller.signal.aborted).toBe(true);
  });
});
