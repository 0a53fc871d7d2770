/**
 * A signal that follows `parent` only until `dispose()`. The SDK never removes the abort listener it adds to a
 * request's signal, so handing it a long-lived signal (the pool's lifetime, a caller's signal reused for many
 * calls) makes it send `notifications/cancelled` for requests that finished long ago once that signal aborts.
 * Each request gets its own scoped signal instead, which is disposed when the request settles.
 */
export function scopedSignal(parent: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  if (!parent) return { signal: controller.signal, dispose: () => {} };
  const forward = () => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', forward) };
}
