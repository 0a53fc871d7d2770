/** The longest delay `setTimeout` takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `onTimeout` after `timeoutMs`; never for `Infinity`, zero or less (no timeout). Returns a function that
 * cancels it.
 */
export function armTimeout(timeoutMs: number, onTimeout: () => void): () => void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return () => {};
  const timer = setTimeout(onTimeout, Math.min(timeoutMs, MAX_TIMER_MS));
  return () => clearTimeout(timer);
}
