import { FrameProtocolError } from '@codexec/frame-protocol';
import type { Logger } from './logger.js';

export interface StoreRequestOptions {
  /** Aborted when the run ends. */
  runSignal: AbortSignal;
  logger: Logger;
  /** What the store is, for the log: `memory`, `saved-tool`. */
  label: string;
  /** The store's own errors, whose `code` goes on the wire as it is (the runtime raises by it). */
  isStoreError: (error: unknown) => error is Error & { code: string };
  /** The start of the message of any other failure: `The memory store failed`. */
  failure: string;
}

/**
 * Serves one request of a store (memory, saved tools) for the runtime: the work gets a signal aborted by the
 * request's cancel or the end of the run, and a failure becomes a wire error (the store's code, else `IO`).
 */
export function storeRequests(options: StoreRequestOptions) {
  const { runSignal, logger, label, isStoreError, failure } = options;
  return async <T>(
    what: string,
    work: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> => {
    try {
      return await work(AbortSignal.any([signal, runSignal]));
    } catch (error) {
      logger.debug(`a ${label} request failed`, { what, error: String(error) });
      if (error instanceof FrameProtocolError) throw error;
      if (isStoreError(error)) throw FrameProtocolError.remote({ code: error.code, message: error.message });
      throw FrameProtocolError.remote({
        code: 'IO',
        message: `${failure}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };
}
