import type { FrameChannel } from '@codexec/frame-protocol';
import type { Logger } from './logger.js';
import { type MemoryStore, MemoryStoreError, updatedValue } from './memory-store.js';
import { storeRequests } from './store-requests.js';

export interface ServeMemoryOptions {
  store: MemoryStore;
  /** Aborted when the run ends. */
  runSignal: AbortSignal;
  logger: Logger;
}

/**
 * Serves the runtime's `memory/*` requests of one run from a `MemoryStore`. Returns a function that removes the
 * handlers.
 */
export function serveMemory(channel: FrameChannel<'host'>, options: ServeMemoryOptions): () => void {
  const { store, runSignal, logger } = options;
  const call = storeRequests({
    runSignal,
    logger,
    label: 'memory',
    isStoreError: (error): error is MemoryStoreError => error instanceof MemoryStoreError,
    failure: 'The memory store failed',
  });
  const removers = [
    channel.onRequest('memory/get', (params, context) =>
      call(
        'get',
        async (signal) => {
          const record = await store.get(params.key, { signal });
          if (!record) return { found: false };
          const { value, ...info } = record;
          return params.withValue ? { found: true, value, info } : { found: true, info };
        },
        context.signal,
      ),
    ),
    channel.onRequest('memory/save', (params, context) =>
      call(
        params.mode,
        async (signal) => {
          if (params.mode === 'save') return store.set(params.key, params.value, { signal });
          const stored = await store.get(params.key, { signal });
          if (!stored) {
            throw new MemoryStoreError(
              'NOT_FOUND',
              `There is no memory ${JSON.stringify(params.key)} to update: save_memory() creates one`,
            );
          }
          return store.set(params.key, updatedValue(stored.value, params.value), { signal });
        },
        context.signal,
      ),
    ),
    channel.onRequest('memory/delete', (params, context) =>
      call(
        'delete',
        async (signal) => ({ deleted: await store.delete(params.key, { signal }) }),
        context.signal,
      ),
    ),
    channel.onRequest('memory/list', (params, context) =>
      call(
        'list',
        async (signal) => {
          const listing = await store.list(params.prefix, { signal });
          return listing.problems.length ? listing : { memories: listing.memories };
        },
        context.signal,
      ),
    ),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}
