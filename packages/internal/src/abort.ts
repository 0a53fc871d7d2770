/** Waiting with an AbortSignal, without leaving listeners behind on long-lived signals. */

/** Calls `listener` once when `signal` aborts (at once if it already has); returns a function that detaches it. */
export function onAbort(signal: AbortSignal | undefined, listener: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    listener(signal.reason);
    return () => {};
  }
  const handler = (): void => listener(signal.reason);
  signal.addEventListener('abort', handler, { once: true });
  return () => signal.removeEventListener('abort', handler);
}

/**
 * A signal aborted by any of `signals` (with that signal's reason) or by `abort()`, and `unlink()`, which detaches
 * it from them. Unlink when the work it guards settles: a long-lived parent otherwise keeps one listener per call.
 */
export function linkedSignal(signals: readonly (AbortSignal | undefined)[]): {
  signal: AbortSignal;
  abort: (reason?: unknown) => void;
  unlink: () => void;
} {
  const controller = new AbortController();
  const detach = signals.map((signal) => onAbort(signal, (reason) => controller.abort(reason)));
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    unlink: () => {
      for (const off of detach) off();
    },
  };
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts, for work that ignores its signal.
 * The listener is removed when either happens. Without a signal, `work` itself.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, reject);
    work.then(resolve, reject).finally(off);
  });
}
