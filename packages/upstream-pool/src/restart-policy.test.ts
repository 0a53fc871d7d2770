import { describe, expect, test } from 'vitest';
import { decideRestart, type RestartPolicy } from './restart-policy.js';

const policy: RestartPolicy = { maxRestarts: 3, windowMs: 60_000, backoffMs: 100, maxBackoffMs: 1000 };
const now = 1_000_000;

describe('decideRestart', () => {
  test.each([
    { failures: 1, lastFailureAt: now, delayMs: 100 },
    { failures: 2, lastFailureAt: now, delayMs: 200 },
    { failures: 3, lastFailureAt: now, delayMs: 400 },
    { failures: 9, lastFailureAt: now, delayMs: 1000 },
    { failures: 2, lastFailureAt: now - 150, delayMs: 50 },
    { failures: 1, lastFailureAt: now - 5000, delayMs: 0 },
  ])('after $failures failures, $delayMs ms to wait', ({ failures, lastFailureAt, delayMs }) => {
    expect(
      decideRestart(policy, { restarts: [], consecutiveFailures: failures, lastFailureAt }, now),
    ).toEqual({
      allowed: true,
      delayMs,
    });
  });

  test('refuses once maxRestarts happened inside the window, and says when it may try again', () => {
    const restarts = [now - 50_000, now - 20_000, now - 1000];
    expect(decideRestart(policy, { restarts, consecutiveFailures: 3, lastFailureAt: now }, now)).toEqual({
      allowed: false,
      retryAfterMs: 10_000,
      restartsInWindow: 3,
    });
  });

  test('restarts that left the window no longer count', () => {
    const restarts = [now - 70_000, now - 20_000, now - 1000];
    expect(
      decideRestart(policy, { restarts, consecutiveFailures: 1, lastFailureAt: now - 1000 }, now).allowed,
    ).toBe(true);
  });
});
