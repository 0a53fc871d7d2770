import { FrameProtocolError, isFrameProtocolError } from './errors.js';
import type { ErrorObject, RequestFrame, ResponseFrame } from './frames.js';
import type { Logger } from './logger.js';
import type { MethodSchema } from './methods.js';
import { describeIssues } from './validation.js';

export interface RequestContext {
  /** Aborted when the peer cancels the request, the channel closes, or the handler calls `abort`. */
  signal: AbortSignal;
  /**
   * Aborts `signal` with `reason`: for a handler that ends its own work early (a deadline, the end of what it serves)
   * without making a second signal for it. `signal.reason` then tells the handler why.
   */
  abort(reason: unknown): void;
  /** The request's id, as the peer chose it. */
  id: string;
  method: string;
}

export type RequestHandler<P = Record<string, unknown>, R = unknown> = (
  params: P,
  context: RequestContext,
) => R | Promise<R>;

export interface IncomingRequestsOptions {
  /** This side and the other, as messages name them (`host`, `runtime`). */
  side: string;
  peer: string;
  /** Schemas of the methods this side serves, by method; other methods get their params unchecked. */
  methods: Readonly<Record<string, MethodSchema>>;
  /** Validates and writes a response frame; rejects with `CLOSED`, `LINE_TOO_LONG`, … */
  sendResponse(response: ResponseFrame): Promise<void>;
  /** Whether the channel has stopped: a response finished after that is not sent. */
  isClosed(): boolean;
  /** Reports a request that reuses the id of one still being served. */
  reportProtocolError(error: FrameProtocolError): void;
  logger: Logger;
}

/**
 * The peer's requests this side serves: one handler per method, each request run concurrently with its own signal,
 * its params and result checked against the method's schema, and its outcome sent back as one response.
 */
export class IncomingRequests {
  readonly #options: IncomingRequestsOptions;
  readonly #handlers = new Map<string, RequestHandler<never, unknown>>();
  readonly #inFlight = new Map<string, AbortController>();

  constructor(options: IncomingRequestsOptions) {
    this.#options = options;
  }

  /** Serves `method` with `handler` (replacing one it had); returns a function that removes the handler. */
  handle(method: string, handler: RequestHandler<never, unknown>): () => void {
    this.#handlers.set(method, handler);
    return () => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method);
    };
  }

  /** Aborts the request with this id, when one is being served; false when none is (the cancel is for another). */
  cancel(id: string, reason: string | undefined): boolean {
    const controller = this.#inFlight.get(id);
    controller?.abort(
      new FrameProtocolError('ABORTED', `The ${this.#options.peer} cancelled request ${id}`, {
        cause: reason,
      }),
    );
    return controller !== undefined;
  }

  /** Aborts every request being served with `error` (the channel closed). */
  abortAll(error: FrameProtocolError): void {
    for (const controller of this.#inFlight.values()) controller.abort(error);
  }

  /** Runs the request's handler and sends its answer. Never rejects. */
  async serve(request: RequestFrame): Promise<void> {
    const { id, method } = request;
    const { logger } = this.#options;
    if (this.#inFlight.has(id)) {
      this.#options.reportProtocolError(
        new FrameProtocolError(
          'DUPLICATE_ID',
          `The ${this.#options.peer} sent request ${id} ("${method}") while a request with that id was still ` +
            'being served; the duplicate was ignored. Ids must be unique per sender',
        ),
      );
      return;
    }
    const controller = new AbortController();
    this.#inFlight.set(id, controller);
    let response: ResponseFrame;
    try {
      response = { type: 'response', id, result: await this.#handle(request, controller) };
    } catch (error) {
      response = { type: 'response', id, error: toErrorObject(error, controller.signal) };
    } finally {
      this.#inFlight.delete(id);
    }
    if (this.#options.isClosed()) return;
    try {
      await this.#options.sendResponse(response);
    } catch (error) {
      if (isFrameProtocolError(error, 'CLOSED')) return;
      const code = isFrameProtocolError(error, 'LINE_TOO_LONG') ? 'FRAME_TOO_LARGE' : 'INTERNAL';
      logger.warn('could not send a response; sending an error instead', {
        id,
        method,
        error: String(error),
      });
      const message = error instanceof Error ? error.message : String(error);
      await this.#options
        .sendResponse({ type: 'response', id, error: { code, message } })
        .catch((cause: unknown) =>
          logger.error('could not send an error response', { id, error: String(cause) }),
        );
    }
  }

  async #handle(request: RequestFrame, controller: AbortController): Promise<unknown> {
    const { id, method } = request;
    const { side } = this.#options;
    const handler = this.#handlers.get(method) as RequestHandler<unknown, unknown> | undefined;
    if (!handler) {
      const served = [...this.#handlers.keys()].join(', ') || 'no methods';
      throw FrameProtocolError.remote({
        code: 'UNKNOWN_METHOD',
        message: `The ${side} does not serve "${method}" (it serves ${served})`,
      });
    }
    const schema = this.#options.methods[method];
    let params: unknown = request.params;
    if (schema) {
      const parsed = schema.params.safeParse(params);
      if (!parsed.success) {
        throw FrameProtocolError.remote({
          code: 'INVALID_PARAMS',
          message: `Invalid params for "${method}": ${describeIssues(parsed.error.issues)}`,
        });
      }
      params = parsed.data;
    }
    const { signal } = controller;
    const abort = (reason: unknown): void => controller.abort(reason);
    const result = (await handler(params, { signal, abort, id, method })) ?? null;
    if (!schema) return result;
    const parsed = schema.result.safeParse(result);
    if (!parsed.success) {
      throw FrameProtocolError.remote({
        code: 'INTERNAL',
        message: `The ${side}'s handler of "${method}" returned an invalid result: ${describeIssues(parsed.error.issues)}`,
      });
    }
    return parsed.data;
  }
}

/** The wire error a failed handler answers with. */
function toErrorObject(error: unknown, signal: AbortSignal): ErrorObject {
  if (isFrameProtocolError(error, 'REMOTE_ERROR') && error.remote) return error.remote;
  if (signal.aborted || isFrameProtocolError(error, 'ABORTED')) {
    return { code: 'CANCELLED', message: 'The request was cancelled' };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isFrameProtocolError(error, 'TIMEOUT')) return { code: 'TIMEOUT', message };
  return { code: 'INTERNAL', message };
}
