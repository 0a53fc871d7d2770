import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import { type DecodeEvent, FrameDecoder } from './decoder.js';
import { encodeFrame } from './encoder.js';
import { abortedError, FrameProtocolError } from './errors.js';
import { FrameStream } from './frame-stream.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  type HelloFrame,
  type HostToRuntimeFrame,
  type RequestFrame,
  type ResponseFrame,
  type RuntimeToHostFrame,
} from './frames.js';
import { HelloHandshake } from './handshake.js';
import { IncomingRequests, type RequestHandler } from './incoming-requests.js';
import { type Logger, silentLogger } from './logger.js';
import { HostMethods, type MethodSchema, RuntimeMethods } from './methods.js';
import { OutgoingRequests } from './outgoing-requests.js';
import { acceptedTypes, checkFrame } from './validation.js';

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
  /**
   * Longest line accepted and sent, in bytes, newline excluded.
   * @default DEFAULT_MAX_LINE_BYTES (64 MiB)
   */
  maxLineBytes?: number;
  /**
   * Timeout of `request` and `waitForHello` when the call gives none, in milliseconds. `Infinity` waits forever.
   * @default 30_000
   */
  requestTimeoutMs?: number;
  /**
   * Prefix of generated request ids.
   * @default 'h' on the host, 'c' in the runtime
   */
  idPrefix?: string;
  /**
   * Where the channel logs protocol errors and what it could not send.
   * @default a logger that drops everything
   */
  logger?: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /**
   * How long to wait for the answer, in milliseconds. `Infinity` waits forever.
   * @default the channel's `requestTimeoutMs`
   */
  timeoutMs?: number;
}

export interface ChannelClosed {
  /** `ended`: the peer's stream ended; `errored`: a stream failed; `closed`: `close()` was called. */
  reason: 'ended' | 'errored' | 'closed';
  error?: Error;
}

/**
 * Frames over a readable/writable pair: `send` for one-way frames, `request` for calls that expect a response, and
 * handlers for the peer's requests, served concurrently. Protocol errors are reported to `onProtocolError`, never
 * thrown; when the peer's stream ends, every pending request rejects with `CLOSED` and `closed` resolves.
 */
export class FrameChannel<S extends ChannelSide> {
  readonly side: S;
  /** Resolves once, when the channel stops (never rejects). */
  readonly closed: Promise<ChannelClosed>;

  readonly #stream: FrameStream;
  readonly #outgoingTypes: ReadonlySet<string>;
  readonly #outgoingDirection: 'host_to_runtime' | 'runtime_to_host';
  readonly #maxLineBytes: number;
  readonly #requestTimeoutMs: number;
  readonly #idPrefix: string;
  readonly #logger: Logger;
  readonly #peer: string;
  readonly #hello: HelloHandshake;
  readonly #outgoing: OutgoingRequests;
  readonly #incoming: IncomingRequests;
  readonly #frameListeners = new Set<(frame: ListenedFrame<S>) => void>();
  readonly #errorListeners = new Set<(error: FrameProtocolError) => void>();
  #nextId = 0;
  #closedInfo: ChannelClosed | undefined;
  #resolveClosed!: (info: ChannelClosed) => void;

  constructor(options: FrameChannelOptions<S>) {
    this.side = options.side;
    const host = options.side === 'host';
    this.#peer = host ? 'runtime' : 'host';
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#outgoingDirection = host ? 'host_to_runtime' : 'runtime_to_host';
    this.#outgoingTypes = acceptedTypes(this.#outgoingDirection);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#idPrefix = options.idPrefix ?? (host ? 'h' : 'c');
    this.#logger = options.logger ?? silentLogger;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#hello = new HelloHandshake(this.#peer);
    this.#outgoing = new OutgoingRequests({
      peer: this.#peer,
      methods: host ? HostMethods : RuntimeMethods,
      sendRequest: ({ id, method, params }) =>
        this.send({ type: 'request', id, method, params } as OutgoingFrame<S>),
      // Straight to the stream: a cancel is always valid, and must go out even when its request's frame did not.
      sendCancel: (id, reason) => this.#stream.write(encodeFrame({ type: 'cancel', id, reason })),
      debug: (message, fields) => this.#logger.debug(message, fields),
    });
    this.#incoming = new IncomingRequests({
      side: this.side,
      peer: this.#peer,
      methods: host ? RuntimeMethods : HostMethods,
      // The result was checked against the method's schema, or the error built here: not validated again.
      sendResponse: (response) => this.#send(response as OutgoingFrame<S>, false),
      isClosed: () => this.isClosed,
      reportProtocolError: (error) => this.#reportProtocolError(error),
      logger: this.#logger,
    });
    this.#stream = new FrameStream({
      readable: options.readable,
      writable: options.writable,
      decoder: new FrameDecoder({
        direction: host ? 'runtime_to_host' : 'host_to_runtime',
        maxLineBytes: this.#maxLineBytes,
      }),
      onEvent: (event) => this.#dispatch(event as DecodeEvent<IncomingFrame<S>>),
      onEnd: (end) => this.#shutdown(end),
      closedError: () => this.#closedError(),
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
   * buffer limit (or has drained again).
   * @throws {FrameProtocolError} (rejects) `INVALID_FRAME`, `UNKNOWN_FRAME_TYPE` (not a frame of this side),
   * `LINE_TOO_LONG`, `ENCODE_FAILED`, `ABORTED` (the signal fired before the frame was written) or `CLOSED`.
   */
  send(frame: OutgoingFrame<S>, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#send(frame, true, options.signal);
  }

  #send(frame: OutgoingFrame<S>, validate: boolean, signal?: AbortSignal): Promise<void> {
    let line: string;
    try {
      line = this.#encode(frame, validate);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#stream.write(line, signal);
  }

  /**
   * Sends a request and waits for its response. On timeout or abort a `cancel` frame tells the peer to stop.
   * @throws {FrameProtocolError} (rejects) `REMOTE_ERROR` (the peer answered with an error: see `error.remote`),
   * `TIMEOUT`, `ABORTED`, `INVALID_RESULT` (a known method answered with a result that does not match its schema)
   * or `CLOSED`.
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
    // Before taking an id: a request that never starts uses none.
    if (signal?.aborted) return Promise.reject(abortedError(method, signal));
    return this.#outgoing.send(this.nextId(), method, params, {
      signal,
      timeoutMs: options.timeoutMs ?? this.#requestTimeoutMs,
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
    return this.#incoming.handle(method, handler);
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
   * On any rejection the host should stop the runtime.
   * @throws {FrameProtocolError} (rejects) `VERSION_MISMATCH`, `HANDSHAKE_FAILED` (something else came first),
   * `TIMEOUT`, `ABORTED` or `CLOSED`.
   */
  waitForHello(options: RequestOptions = {}): Promise<HelloFrame> {
    const { signal, timeoutMs = this.#requestTimeoutMs } = options;
    return this.#hello.wait({ signal, timeoutMs });
  }

  /**
   * Stops the channel: pending requests reject with `CLOSED`, running handlers are aborted, and the writable is
   * ended. The readable is left to its owner.
   */
  close(): void {
    if (this.#closedInfo) return;
    this.#shutdown({ reason: 'closed' });
    this.#stream.endWritable();
  }

  #encode(frame: OutgoingFrame<S>, validate: boolean): string {
    if (this.#closedInfo) throw this.#closedError();
    const check = checkFrame(frame, this.#outgoingDirection, this.#outgoingTypes, validate);
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

  #dispatch(event: DecodeEvent<IncomingFrame<S>>): void {
    this.#hello.observe(event);
    if (!event.ok) {
      this.#reportProtocolError(event.error);
      return;
    }
    const frame = event.frame;
    switch (frame.type) {
      case 'request':
        void this.#incoming.serve(frame);
        return;
      case 'response':
        // A response can cross our cancel on the wire: ignoring it is the protocol's rule.
        if (!this.#outgoing.settle(frame)) {
          this.#logger.debug('ignored a response to no pending request', { id: frame.id });
        }
        return;
      case 'cancel':
        if (this.#incoming.cancel(frame.id, frame.reason)) return;
        break;
    }
    for (const listener of this.#frameListeners) {
      try {
        listener(frame as ListenedFrame<S>);
      } catch (error) {
        this.#logger.error('a frame listener threw', { type: frame.type, error: String(error) });
      }
    }
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
    this.#outgoing.failAll(error);
    this.#incoming.abortAll(error);
    this.#hello.close(error);
    this.#stream.stop();
    this.#resolveClosed(info);
  }
}
