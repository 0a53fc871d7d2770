import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import { type DecodeEvent, type DecoderDirection, FrameDecoder } from './decoder.js';
import { encodeFrame } from './encoder.js';
import { FrameProtocolError, isFrameProtocolError } from './errors.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  type ErrorObject,
  type HelloFrame,
  HostMethods,
  type HostToRuntimeFrame,
  type MethodSchema,
  type RequestFrame,
  type ResponseFrame,
  RuntimeMethods,
  type RuntimeToHostFrame,
} from './frames.js';
import { checkHello } from './handshake.js';
import { acceptedTypes, checkFrame, describeIssues } from './validation.js';

/** Where log lines go. The channel never writes to stdout or stderr itself. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Which end of the wire a channel is. It decides which frames it accepts, sends, and which methods it serves. */
export type ChannelSide = 'host' | 'runtime';

/** Frames a channel of side `S` receives. */
export type IncomingFrame<S extends ChannelSide> = S extends 'host' ? RuntimeToHostFrame : HostToRuntimeFrame;
/** Frames a channel of side `S` sends. */
export type OutgoingFrame<S extends ChannelSide> = S extends 'host' ? HostToRuntimeFrame : RuntimeToHostFrame;
/** Methods a channel of side `S` calls on its peer. */
export type SentMethods<S extends ChannelSide> = S extends 'host' ? HostMethods : RuntimeMethods;
/** Methods a channel of side `S` serves. */
export type ServedMethods<S extends ChannelSide> = S extends 'host' ? RuntimeMethods : HostMethods;

type ParamsIn<T, M> = M extends keyof T
  ? T[M] extends MethodSchema
    ? z.input<T[M]['params']>
    : never
  : never;
type ParamsOut<T, M> = M extends keyof T
  ? T[M] extends MethodSchema
    ? z.output<T[M]['params']>
    : never
  : never;
type ResultIn<T, M> = M extends keyof T
  ? T[M] extends MethodSchema
    ? z.input<T[M]['result']>
    : never
  : never;
type ResultOut<T, M> = M extends keyof T
  ? T[M] extends MethodSchema
    ? z.output<T[M]['result']>
    : never
  : never;

/** Frames that reach `onFrame` listeners: everything but requests, responses and cancels of served requests. */
export type ListenedFrame<S extends ChannelSide> = Exclude<IncomingFrame<S>, RequestFrame | ResponseFrame>;

export interface FrameChannelOptions<S extends ChannelSide> {
  side: S;
  /** Frames from the peer (the runtime's frame fd, or the host's pipe into the container). */
  readable: Readable;
  /** Frames to the peer. */
  writable: Writable;
  /** Longest line accepted and sent, in bytes (default 64 MiB). */
  maxLineBytes?: number;
  /** Timeout of `request` when the call gives none (default 30 s). `Infinity` waits forever. */
  requestTimeoutMs?: number;
  /** Prefix of generated request ids (default `h` on the host, `c` in the runtime). */
  idPrefix?: string;
  logger?: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the channel's `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

export interface RequestContext {
  /** Aborted when the peer cancels the request or the channel closes. */
  signal: AbortSignal;
  /** The request's id, as the peer chose it. */
  id: string;
  method: string;
}

export type RequestHandler<P = Record<string, unknown>, R = unknown> = (
  params: P,
  context: RequestContext,
) => R | Promise<R>;

export interface ChannelClosed {
  /** `ended`: the peer's stream ended; `errored`: a stream failed; `closed`: `close()` was called. */
  reason: 'ended' | 'errored' | 'closed';
  error?: Error;
}

interface PendingRequest {
  method: string;
  settle(response: ResponseFrame): void;
  fail(error: FrameProtocolError): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Frames over a readable/writable pair: `send` for one-way frames, `request` for calls that expect a response, and
 * handlers for the peer's requests, served concurrently. Protocol errors are reported to `onProtocolError`, never
 * thrown; when the peer's stream ends, every pending request rejects with `CLOSED` and `closed` resolves.
 */
export class FrameChannel<S extends ChannelSide> {
  readonly side: S;
  /** Resolves once, when the channel stops (never rejects). */
  readonly closed: Promise<ChannelClosed>;

  readonly #readable: Readable;
  readonly #writable: Writable;
  readonly #decoder: FrameDecoder<DecoderDirection>;
  readonly #outgoing: ReadonlySet<string>;
  readonly #outgoingDirection: 'host_to_runtime' | 'runtime_to_host';
  readonly #maxLineBytes: number;
  readonly #requestTimeoutMs: number;
  readonly #idPrefix: string;
  readonly #logger: Logger;
  readonly #peer: string;
  readonly #sent: Record<string, MethodSchema>;
  readonly #served: Record<string, MethodSchema>;

  readonly #handlers = new Map<string, RequestHandler<never, unknown>>();
  readonly #inFlight = new Map<string, AbortController>();
  readonly #pending = new Map<string, PendingRequest>();
  readonly #frameListeners = new Set<(frame: ListenedFrame<S>) => void>();
  readonly #errorListeners = new Set<(error: FrameProtocolError) => void>();
  #nextId = 0;
  #closedInfo: ChannelClosed | undefined;
  #resolveClosed!: (info: ChannelClosed) => void;
  // Every write waits for the one before it, so frames keep their order and backpressure holds.
  #writeChain: Promise<void> = Promise.resolve();
  #drainWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  // The first thing the peer sent: a frame or a decode error, for `waitForHello`.
  #first: Promise<HelloFrame>;
  #settleFirst!: (event: DecodeEvent<unknown> | { closed: FrameProtocolError }) => void;

  constructor(options: FrameChannelOptions<S>) {
    this.side = options.side;
    this.#readable = options.readable;
    this.#writable = options.writable;
    const host = options.side === 'host';
    this.#peer = host ? 'runtime' : 'host';
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#decoder = new FrameDecoder({
      direction: host ? 'runtime_to_host' : 'host_to_runtime',
      maxLineBytes: this.#maxLineBytes,
    });
    this.#outgoingDirection = host ? 'host_to_runtime' : 'runtime_to_host';
    this.#outgoing = acceptedTypes(this.#outgoingDirection);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#idPrefix = options.idPrefix ?? (host ? 'h' : 'c');
    this.#logger = options.logger ?? silentLogger;
    this.#sent = host ? HostMethods : RuntimeMethods;
    this.#served = host ? RuntimeMethods : HostMethods;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#first = new Promise<HelloFrame>((resolve, reject) => {
      this.#settleFirst = (event) => {
        this.#settleFirst = () => {};
        if ('closed' in event) return reject(event.closed);
        if (!event.ok) {
          return reject(
            new FrameProtocolError(
              'HANDSHAKE_FAILED',
              `The ${this.#peer}'s first line was not a hello frame (${event.error.message}): check that the ` +
                'container runs the codexec runtime and look at its stderr',
              { cause: event.error, line: event.error.line, excerpt: event.error.excerpt },
            ),
          );
        }
        const frame = event.frame as { type: string };
        if (frame.type !== 'hello') {
          return reject(
            new FrameProtocolError(
              'HANDSHAKE_FAILED',
              `The ${this.#peer}'s first frame was "${frame.type}", not "hello": the runtime must announce its ` +
                'protocol version before anything else',
            ),
          );
        }
        try {
          checkHello(frame as HelloFrame);
          resolve(frame as HelloFrame);
        } catch (error) {
          reject(error);
        }
      };
    });
    this.#first.catch(() => {});

    this.#readable.on('data', (chunk: Buffer | string) => {
      if (this.#closedInfo) return;
      for (const event of this.#decoder.push(chunk)) this.#dispatch(event as DecodeEvent<IncomingFrame<S>>);
    });
    this.#readable.on('end', () => {
      if (this.#closedInfo) return;
      for (const event of this.#decoder.end()) this.#dispatch(event as DecodeEvent<IncomingFrame<S>>);
      this.#shutdown({ reason: 'ended' });
    });
    this.#readable.on('close', () => this.#shutdown({ reason: 'ended' }));
    // Listeners stay attached after shutdown: a stream error with no listener would crash the process.
    this.#readable.on('error', (error: Error) => this.#shutdown({ reason: 'errored', error }));
    this.#writable.on('error', (error: Error) => this.#shutdown({ reason: 'errored', error }));
    this.#writable.on('close', () => this.#shutdown({ reason: 'ended' }));
    this.#writable.on('drain', () => {
      const waiter = this.#drainWaiter;
      this.#drainWaiter = undefined;
      waiter?.resolve();
    });
  }

  /**
   * A fresh id from the counter that request ids come from (`h1`, `h2`, … on the host), for frames that need one
   * of this side's ids, like `execute`.
   */
  nextId(): string {
    this.#nextId += 1;
    return `${this.#idPrefix}${this.#nextId}`;
  }

  /** True once the channel has stopped. */
  get isClosed(): boolean {
    return this.#closedInfo !== undefined;
  }

  /**
   * Validates, encodes and writes one frame. Resolves when the writable has taken it without going over its
   * buffer limit (or has drained again). Rejects with `INVALID_FRAME`, `UNKNOWN_FRAME_TYPE` (not a frame of this
   * side), `LINE_TOO_LONG`, `ENCODE_FAILED`, `ABORTED` (the signal fired before the frame was written) or `CLOSED`.
   */
  send(frame: OutgoingFrame<S>, options: { signal?: AbortSignal } = {}): Promise<void> {
    let line: string;
    try {
      line = this.#encode(frame);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#write(line, options.signal);
  }

  /**
   * Sends a request and waits for its response. Rejects with `REMOTE_ERROR` (the peer answered with an error:
   * see `error.remote`), `TIMEOUT`, `ABORTED`, `INVALID_RESULT` (a known method answered with a result that does
   * not match its schema) or `CLOSED`. On timeout or abort a `cancel` frame tells the peer to stop.
   */
  request<M extends keyof SentMethods<S> & string>(
    method: M,
    params: ParamsIn<SentMethods<S>, M>,
    options?: RequestOptions,
  ): Promise<ResultOut<SentMethods<S>, M>>;
  request(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<unknown>;
  request(
    method: string,
    params: Record<string, unknown> = {},
    options: RequestOptions = {},
  ): Promise<unknown> {
    if (this.#closedInfo) return Promise.reject(this.#closedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError(method, signal));
    const id = this.nextId();
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): boolean => {
        if (!this.#pending.delete(id)) return false;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const withdraw = (error: FrameProtocolError, reason: string): void => {
        if (!finish()) return;
        reject(error);
        this.#write(encodeFrame({ type: 'cancel', id, reason }), undefined).catch((cause) =>
          this.#logger.debug('could not send cancel', { id, error: String(cause) }),
        );
      };
      const onAbort = (): void => withdraw(abortedError(method, signal!), 'aborted');
      if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
        timer = setTimeout(
          () =>
            withdraw(
              new FrameProtocolError(
                'TIMEOUT',
                `The ${this.#peer} did not answer "${method}" (${id}) within ${timeoutMs} ms: ` +
                  'raise timeoutMs if the work is slow, or check that the peer is alive',
              ),
              'timeout',
            ),
          Math.min(timeoutMs, MAX_TIMER_MS),
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        method,
        settle: (response) => {
          if (!finish()) return;
          if ('error' in response) {
            reject(
              new FrameProtocolError(
                'REMOTE_ERROR',
                `The ${this.#peer} answered "${method}" with ${response.error.code}: ${response.error.message}`,
                { remote: response.error },
              ),
            );
            return;
          }
          const schema = this.#sent[method];
          if (!schema) return resolve(response.result);
          const parsed = schema.result.safeParse(response.result);
          if (parsed.success) return resolve(parsed.data);
          reject(
            new FrameProtocolError(
              'INVALID_RESULT',
              `The ${this.#peer} answered "${method}" with a result that does not match PROTOCOL.md: ` +
                describeIssues(parsed.error.issues),
            ),
          );
        },
        fail: (error) => {
          if (finish()) reject(error);
        },
      });
      this.send({ type: 'request', id, method, params } as OutgoingFrame<S>).catch(
        (error: FrameProtocolError) => this.#pending.get(id)?.fail(error),
      );
    });
  }

  /**
   * Serves one method of the peer. Handlers run concurrently, each with a signal that aborts when the peer cancels
   * the request. For a method of PROTOCOL.md, params are validated (defaults applied) before the handler runs and
   * the result is validated before it is sent. A handler that returns `undefined` answers `null`; one that throws
   * answers with an error (`FrameProtocolError.remote(...)` picks the wire error, otherwise `INTERNAL`).
   * Registering a method again replaces its handler. Returns a function that removes the handler.
   */
  onRequest<M extends keyof ServedMethods<S> & string>(
    method: M,
    handler: RequestHandler<ParamsOut<ServedMethods<S>, M>, ResultIn<ServedMethods<S>, M>>,
  ): () => void;
  onRequest(method: string, handler: RequestHandler): () => void;
  onRequest(method: string, handler: RequestHandler<never, unknown>): () => void {
    this.#handlers.set(method, handler);
    return () => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method);
    };
  }

  /**
   * Listens to the frames that are not requests or responses: `hello`, `stdout`, `stderr`, `done` (host side),
   * `execute` (runtime side), and any `cancel` that does not name a request being served (e.g. the cancel of an
   * execute). Returns a function that removes the listener.
   */
  onFrame(listener: (frame: ListenedFrame<S>) => void): () => void {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  /** Listens to lines the peer sent that are not valid frames, and to duplicate request ids. */
  onProtocolError(listener: (error: FrameProtocolError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /**
   * Host side: waits for the runtime's `hello`, which must be its first frame, and checks its protocol version.
   * Rejects with `VERSION_MISMATCH`, `HANDSHAKE_FAILED` (something else came first), `TIMEOUT`, `ABORTED` or
   * `CLOSED`. On any rejection the host should stop the runtime.
   */
  waitForHello(options: RequestOptions = {}): Promise<HelloFrame> {
    const { signal, timeoutMs = this.#requestTimeoutMs } = options;
    if (signal?.aborted) return Promise.reject(abortedError('hello', signal));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(abortedError('hello', signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
        timer = setTimeout(
          () => {
            done();
            reject(
              new FrameProtocolError(
                'TIMEOUT',
                `The ${this.#peer} sent no hello within ${timeoutMs} ms: check that the container started and ` +
                  'runs the codexec runtime (its stderr says more)',
              ),
            );
          },
          Math.min(timeoutMs, MAX_TIMER_MS),
        );
      }
      this.#first.then(
        (hello) => {
          done();
          resolve(hello);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /**
   * Stops the channel: pending requests reject with `CLOSED`, running handlers are aborted, and the writable is
   * ended. The readable is left to its owner.
   */
  close(): void {
    if (this.#closedInfo) return;
    this.#shutdown({ reason: 'closed' });
    if (!this.#writable.writableEnded && !this.#writable.destroyed) this.#writable.end();
  }

  #encode(frame: OutgoingFrame<S>): string {
    if (this.#closedInfo) throw this.#closedError();
    const check = checkFrame(frame, this.#outgoingDirection, this.#outgoing, true);
    if (!check.ok) {
      throw new FrameProtocolError(
        check.code === 'NOT_AN_OBJECT' ? 'ENCODE_FAILED' : check.code,
        `Refusing to send a frame that ${check.message}: see PROTOCOL.md for the frames a ${this.side} sends`,
      );
    }
    const line = encodeFrame(check.frame);
    const bytes = Buffer.byteLength(line) - 1;
    if (bytes > this.#maxLineBytes) {
      throw new FrameProtocolError(
        'LINE_TOO_LONG',
        `A "${check.frame.type}" frame of ${bytes} bytes is over the line limit of ${this.#maxLineBytes} bytes: ` +
          'send less data in one frame, or raise maxLineBytes on both sides',
      );
    }
    return line;
  }

  #write(line: string, signal: AbortSignal | undefined): Promise<void> {
    const turn = this.#writeChain.then(async () => {
      if (this.#closedInfo) throw this.#closedError();
      if (signal?.aborted) throw abortedError('send', signal);
      if (this.#writable.write(line)) return;
      await new Promise<void>((resolve, reject) => {
        this.#drainWaiter = { resolve, reject };
      });
    });
    this.#writeChain = turn.catch(() => {});
    if (!signal) return turn;
    // A frame still waiting for its turn is not written once its signal fires; the caller is told at once.
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(abortedError('send', signal));
      signal.addEventListener('abort', onAbort, { once: true });
      turn.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #dispatch(event: DecodeEvent<IncomingFrame<S>>): void {
    this.#settleFirst(event);
    if (!event.ok) {
      this.#reportProtocolError(event.error);
      return;
    }
    const frame = event.frame;
    switch (frame.type) {
      case 'request':
        void this.#serve(frame);
        return;
      case 'response': {
        const pending = this.#pending.get(frame.id);
        if (pending) pending.settle(frame);
        // A response can cross our cancel on the wire: ignoring it is the protocol's rule.
        else this.#logger.debug('ignored a response to no pending request', { id: frame.id });
        return;
      }
      case 'cancel': {
        const controller = this.#inFlight.get(frame.id);
        if (controller) {
          controller.abort(
            new FrameProtocolError('ABORTED', `The ${this.#peer} cancelled request ${frame.id}`, {
              cause: frame.reason,
            }),
          );
          return;
        }
        break;
      }
    }
    for (const listener of this.#frameListeners) {
      try {
        listener(frame as ListenedFrame<S>);
      } catch (error) {
        this.#logger.error('a frame listener threw', { type: frame.type, error: String(error) });
      }
    }
  }

  async #serve(request: RequestFrame): Promise<void> {
    const { id, method } = request;
    if (this.#inFlight.has(id)) {
      this.#reportProtocolError(
        new FrameProtocolError(
          'DUPLICATE_ID',
          `The ${this.#peer} sent request ${id} ("${method}") while a request with that id was still being ` +
            'served; the duplicate was ignored. Ids must be unique per sender',
        ),
      );
      return;
    }
    const controller = new AbortController();
    this.#inFlight.set(id, controller);
    let response: ResponseFrame;
    try {
      response = { type: 'response', id, result: await this.#handle(request, controller.signal) };
    } catch (error) {
      response = { type: 'response', id, error: this.#toErrorObject(error, controller.signal) };
    } finally {
      this.#inFlight.delete(id);
    }
    if (this.#closedInfo) return;
    try {
      await this.send(response as OutgoingFrame<S>);
    } catch (error) {
      if (isFrameProtocolError(error, 'CLOSED')) return;
      const code = isFrameProtocolError(error, 'LINE_TOO_LONG') ? 'FRAME_TOO_LARGE' : 'INTERNAL';
      this.#logger.warn('could not send a response; sending an error instead', {
        id,
        method,
        error: String(error),
      });
      const message = error instanceof Error ? error.message : String(error);
      await this.send({ type: 'response', id, error: { code, message } } as OutgoingFrame<S>).catch(
        (cause: unknown) =>
          this.#logger.error('could not send an error response', { id, error: String(cause) }),
      );
    }
  }

  async #handle(request: RequestFrame, signal: AbortSignal): Promise<unknown> {
    const { id, method } = request;
    const handler = this.#handlers.get(method) as RequestHandler<unknown, unknown> | undefined;
    if (!handler) {
      const served = [...this.#handlers.keys()].join(', ') || 'no methods';
      throw FrameProtocolError.remote({
        code: 'UNKNOWN_METHOD',
        message: `The ${this.side} does not serve "${method}" (it serves ${served})`,
      });
    }
    const schema = this.#served[method];
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
    const result = (await handler(params, { signal, id, method })) ?? null;
    if (!schema) return result;
    const parsed = schema.result.safeParse(result);
    if (!parsed.success) {
      throw FrameProtocolError.remote({
        code: 'INTERNAL',
        message: `The ${this.side}'s handler of "${method}" returned an invalid result: ${describeIssues(parsed.error.issues)}`,
      });
    }
    return parsed.data;
  }

  #toErrorObject(error: unknown, signal: AbortSignal): ErrorObject {
    if (isFrameProtocolError(error, 'REMOTE_ERROR') && error.remote) return error.remote;
    if (signal.aborted || isFrameProtocolError(error, 'ABORTED')) {
      return { code: 'CANCELLED', message: 'The request was cancelled' };
    }
    const message = error instanceof Error ? error.message : String(error);
    if (isFrameProtocolError(error, 'TIMEOUT')) return { code: 'TIMEOUT', message };
    return { code: 'INTERNAL', message };
  }

  #reportProtocolError(error: FrameProtocolError): void {
    this.#logger.warn('protocol error', { code: error.code, line: error.line, message: error.message });
    for (const listener of this.#errorListeners) {
      try {
        listener(error);
      } catch (cause) {
        this.#logger.error('a protocol error listener threw', { error: String(cause) });
      }
    }
  }

  #closedError(): FrameProtocolError {
    const info = this.#closedInfo;
    const why =
      info?.reason === 'closed'
        ? 'it was closed locally'
        : info?.reason === 'errored'
          ? `a stream failed: ${info.error?.message ?? 'unknown error'}`
          : `the ${this.#peer}'s stream ended`;
    return new FrameProtocolError(
      'CLOSED',
      `The frame channel is closed (${why}): ` +
        (info?.reason === 'closed'
          ? 'open a new channel to talk again'
          : `the ${this.#peer} probably exited`),
      { cause: info?.error },
    );
  }

  #shutdown(info: ChannelClosed): void {
    if (this.#closedInfo) return;
    this.#closedInfo = info;
    const error = this.#closedError();
    for (const pending of [...this.#pending.values()]) pending.fail(error);
    for (const controller of this.#inFlight.values()) controller.abort(error);
    this.#settleFirst({ closed: error });
    const waiter = this.#drainWaiter;
    this.#drainWaiter = undefined;
    waiter?.reject(error);
    this.#resolveClosed(info);
  }
}

function abortedError(what: string, signal: AbortSignal): FrameProtocolError {
  return new FrameProtocolError('ABORTED', `"${what}" was aborted by its signal before it finished`, {
    cause: signal.reason,
  });
}
