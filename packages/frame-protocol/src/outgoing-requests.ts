import { onAbort } from '@codexec/internal';
import { abortedError, FrameProtocolError } from './errors.js';
import type { ResponseFrame } from './frames.js';
import type { MethodSchema } from './methods.js';
import { armTimeout } from './timeout.js';
import { describeIssues } from './validation.js';

export interface OutgoingRequestsOptions {
  /** The other side, as messages name it (`runtime`, `host`). */
  peer: string;
  /** Schemas of the methods this side calls, by method; results of the others are passed on as they come. */
  methods: Readonly<Record<string, MethodSchema>>;
  /** Writes a request frame; when it rejects, the request rejects with that error. */
  sendRequest(request: { id: string; method: string; params: Record<string, unknown> }): Promise<void>;
  /** Writes a `cancel` frame for a request given up on (timeout, abort); failures are the caller's to log. */
  sendCancel(id: string, reason: 'timeout' | 'aborted'): Promise<void>;
  /** Where a cancel that could not be sent is logged. */
  debug(message: string, fields: Record<string, unknown>): void;
}

interface PendingRequest {
  settle(response: ResponseFrame): void;
  fail(error: FrameProtocolError): void;
}

/**
 * The requests this side has sent and not yet had answered: each waits for the response with its id, its timeout,
 * or its signal, whichever comes first. A request given up on is cancelled on the wire; a response that comes after
 * that finds nothing waiting, which the protocol allows.
 */
export class OutgoingRequests {
  readonly #options: OutgoingRequestsOptions;
  readonly #pending = new Map<string, PendingRequest>();

  constructor(options: OutgoingRequestsOptions) {
    this.#options = options;
  }

  /**
   * Sends a request with `id` (not used by any waiting request) and waits for its answer.
   * @throws {FrameProtocolError} (rejects) `REMOTE_ERROR`, `TIMEOUT`, `ABORTED`, `INVALID_RESULT`, or what sending
   * it failed with.
   */
  send(
    id: string,
    method: string,
    params: Record<string, unknown>,
    options: { signal?: AbortSignal | undefined; timeoutMs: number },
  ): Promise<unknown> {
    const { signal, timeoutMs } = options;
    const { peer } = this.#options;
    if (signal?.aborted) return Promise.reject(abortedError(method, signal));
    return new Promise((resolve, reject) => {
      const finish = (): boolean => {
        if (!this.#pending.delete(id)) return false;
        disarm();
        detach();
        return true;
      };
      const withdraw = (error: FrameProtocolError, reason: 'timeout' | 'aborted'): void => {
        if (!finish()) return;
        reject(error);
        this.#options
          .sendCancel(id, reason)
          .catch((cause: unknown) =>
            this.#options.debug('could not send cancel', { id, error: String(cause) }),
          );
      };
      const disarm = armTimeout(timeoutMs, () =>
        withdraw(
          new FrameProtocolError(
            'TIMEOUT',
            `The ${peer} did not answer "${method}" (${id}) within ${timeoutMs} ms: ` +
              'raise timeoutMs if the work is slow, or check that the peer is alive',
          ),
          'timeout',
        ),
      );
      const detach = onAbort(signal, () => withdraw(abortedError(method, signal!), 'aborted'));
      this.#pending.set(id, {
        settle: (response) => {
          if (!finish()) return;
          if ('error' in response) {
            reject(
              new FrameProtocolError(
                'REMOTE_ERROR',
                `The ${peer} answered "${method}" with ${response.error.code}: ${response.error.message}`,
                { remote: response.error },
              ),
            );
            return;
          }
          const schema = this.#options.methods[method];
          if (!schema) return resolve(response.result);
          const parsed = schema.result.safeParse(response.result);
          if (parsed.success) return resolve(parsed.data);
          reject(
            new FrameProtocolError(
              'INVALID_RESULT',
              `The ${peer} answered "${method}" with a result that does not match PROTOCOL.md: ` +
                describeIssues(parsed.error.issues),
            ),
          );
        },
        fail: (error) => {
          if (finish()) reject(error);
        },
      });
      this.#options
        .sendRequest({ id, method, params })
        .catch((error: FrameProtocolError) => this.#pending.get(id)?.fail(error));
    });
  }

  /** Answers the request a response is for. False when no request waits for it (it may have been cancelled). */
  settle(response: ResponseFrame): boolean {
    const pending = this.#pending.get(response.id);
    pending?.settle(response);
    return pending !== undefined;
  }

  /** Rejects every waiting request with `error` (the channel closed). */
  failAll(error: FrameProtocolError): void {
    for (const pending of [...this.#pending.values()]) pending.fail(error);
  }
}
