import { describe, expect, it, vi } from 'vitest';
import { Deadline } from './deadline.js';

describe('Deadline', () => {
  it('fires after its time, not counting the time it was paused', () => {
    vi.useFakeTimers();
    try {
      const fired = vi.fn();
      const deadline = new Deadline(100, fired);
      vi.advanceTimersByTime(60);
      const resume = deadline.pause();
      const nested = deadline.pause();
      vi.advanceTimersByTime(500);
      resume();
      resume();
      vi.advanceTimersByTime(500);
      expect(fired).not.toHaveBeenCalled();
      nested();
      vi.advanceTimersByTime(39);
      expect(fired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(2);
      expect(fired).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never fires once cleared, paused or not', () => {
    vi.useFakeTimers();
    try {
      const fired = vi.fn();
      const deadline = new Deadline(10, fired);
      const resume = deadline.pause();
      deadline.clear();
      resume();
      vi.advanceTimersByTime(100);
      expect(fired).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
