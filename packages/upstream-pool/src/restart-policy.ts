/** How often a crashed or failing server is restarted. */
export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more failure inside the window reports the server as failed. */
  maxRestarts: number;
  windowMs: number;
  /** Delay before the first restart after a failure; doubles with each consecutive failure. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 3,
  windowMs: 60_000,
  backoffMs: 250,
  maxBackoffMs: 5_000,
};

export interface RestartHistory {
  /** When earlier restarts happened (ms timestamps). */
  restarts: readonly number[];
  /** Failures since the server last worked. */
  consecutiveFailures: number;
  /** When the last failure happened (ms timestamp). */
  lastFailureAt: number;
}

export type RestartDecision =
  | { allowed: true; delayMs: number }
  | { allowed: false; retryAfterMs: number; restartsInWindow: number };

/** Whether a restart may happen `now`, and after what delay. Pure. */
export function decideRestart(policy: RestartPolicy, history: RestartHistory, now: number): RestartDecision {
  const inWindow = history.restarts.filter((at) => now - at < policy.windowMs);
  if (inWindow.length >= policy.maxRestarts) {
    const oldest = Math.min(...inWindow);
    return {
      allowed: false,
      retryAfterMs: oldest + policy.windowMs - now,
      restartsInWindow: inWindow.length,
    };
  }
  const exponent = Math.max(0, history.consecutiveFailures - 1);
  const backoff = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.min(exponent, 30));
  return { allowed: true, delayMs: Math.max(0, history.lastFailureAt + backoff - now) };
}
