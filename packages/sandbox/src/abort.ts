/** Waiting with an AbortSignal, without leaving listeners behind on long-lived signals. */

/** A signal aborted by any of `signals`, and a function that detaches it. */
export function linkedSignal(signals: AbortSignal[]): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  const abort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  for (const signal of signals) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', abort, { once: true });
  }
  return {
    controller,
    unlink: () => {
      for (const signal of signals) signal.removeEventListener('abort', abort);
    },
  };
}

/** Resolves with the work, or rejects as soon as the signal fires (a callback that ignores its signal). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
