import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { type ChannelSide, FrameChannel } from './channel.js';
import { FrameDecoder } from './decoder.js';
import { FrameProtocolError } from './errors.js';
import type { AnyFrame } from './frames.js';

const channels: FrameChannel<ChannelSide>[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});

function track<S extends ChannelSide>(channel: FrameChannel<S>): FrameChannel<S> {
  channels.push(channel as FrameChannel<ChannelSide>);
  return channel;
}

/** A host and a runtime channel wired to each other. */
function pair(options: { maxLineBytes?: number; requestTimeoutMs?: number } = {}) {
  const toRuntime = new PassThrough();
  const toHost = new PassThrough();
  const host = track(new FrameChannel({ side: 'host', readable: toHost, writable: toRuntime, ...options }));
  const runtime = track(
    new FrameChannel({ side: 'runtime', readable: toRuntime, writable: toHost, ...options }),
  );
  return { host, runtime, toRuntime, toHost };
}

/** A channel of `side` whose peer is the test itself, writing and reading raw lines. */
function rawPeer<S extends ChannelSide>(side: S, options: { requestTimeoutMs?: number } = {}) {
  const incoming = new PassThrough();
  const outgoing = new PassThrough();
  const channel = track(new FrameChannel({ side, readable: incoming, writable: outgoing, ...options }));
  const decoder = new FrameDecoder();
  const sent: AnyFrame[] = [];
  const waiters: (() => void)[] = [];
  outgoing.on('data', (chunk: Buffer) => {
    for (const event of decoder.push(chunk)) if (event.ok) sent.push(event.frame);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    channel,
    incoming,
    sent,
    write: (line: string) => incoming.write(`${line}\n`),
    /** Waits until the channel has written at least `count` frames. */
    async sentFrames(count: number): Promise<AnyFrame[]> {
      while (sent.length < count) await new Promise<void>((wake) => waiters.push(wake));
      return sent;
    },
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function rejection(promise: Promise<unknown>): Promise<FrameProtocolError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FrameProtocolError);
    return error as FrameProtocolError;
  }
  throw new Error('expected the promise to reject');
}

describe('FrameChannel requests', () => {
  test('the runtime calls a tool on the host; params get their defaults and the result its shape', async () => {
    const { host, runtime } = pair();
    const seen: unknown[] = [];
    host.onRequest('tools/call', (params, context) => {
      seen.push({ params, id: context.id, method: context.method });
      return { content: [{ type: 'text', text: `hi ${params.tool}` }] };
    });
    const result = await runtime.request('tools/call', { server: 'github', tool: 'search' });
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi search' }] });
    expect(seen).toEqual([
      { params: { server: 'github', tool: 'search', arguments: {} }, id: 'c1', method: 'tools/call' },
    ]);
  });

  test('the host pings the runtime with ids h1, h2', async () => {
    const { host, runtime } = pair();
    const ids: string[] = [];
    runtime.onRequest('ping', (_params, { id }) => {
      ids.push(id);
      return {};
    });
    expect(await host.request('ping', {})).toEqual({});
    expect(await host.request('ping', {})).toEqual({});
    expect(ids).toEqual(['h1', 'h2']);
  });

  test('execute ids and request ids come from one counter', async () => {
    const { host, runtime } = pair();
    runtime.onRequest('ping', (_params, { id }) => ({ id }) as never);
    expect(host.nextId()).toBe('h1');
    await host.request('ping', {});
    expect(host.nextId()).toBe('h3');
  });

  test('an unknown method is answered with UNKNOWN_METHOD', async () => {
    const { host, runtime } = pair();
    host.onRequest('servers/list', () => ({ servers: [] }));
    const error = await rejection(runtime.request('files/delete', { path: '/' }));
    expect(error.code).toBe('REMOTE_ERROR');
    expect(error.remote?.code).toBe('UNKNOWN_METHOD');
    expect(error.remote?.message).toContain('servers/list');
  });

  test('invalid params are answered with INVALID_PARAMS without calling the handler', async () => {
    const { host, runtime } = pair();
    let called = false;
    host.onRequest('tools/search', () => {
      called = true;
      return { results: [] };
    });
    const error = await rejection(runtime.request('tools/search', { query: 'x', limit: 1000 } as never));
    expect(error.remote?.code).toBe('INVALID_PARAMS');
    expect(error.remote?.message).toContain('limit');
    expect(called).toBe(false);
  });

  test('a handler picks the wire error with FrameProtocolError.remote; other throws become INTERNAL', async () => {
    const { host, runtime } = pair();
    host.onRequest('servers/describe', ({ server }) => {
      throw FrameProtocolError.remote({
        code: 'UNKNOWN_SERVER',
        message: `No server "${server}"`,
        data: { server },
      });
    });
    host.onRequest('servers/list', () => {
      throw new Error('config file unreadable');
    });
    const unknown = await rejection(runtime.request('servers/describe', { server: 'nope' }));
    expect(unknown.remote).toEqual({
      code: 'UNKNOWN_SERVER',
      message: 'No server "nope"',
      data: { server: 'nope' },
    });
    const internal = await rejection(runtime.request('servers/list', {}));
    expect(internal.remote).toEqual({ code: 'INTERNAL', message: 'config file unreadable' });
  });

  test('a handler result that does not match the method schema is answered with INTERNAL', async () => {
    const { host, runtime } = pair();
    host.onRequest('servers/list', () => ({ servers: [{ name: 'a' }] }) as never);
    const error = await rejection(runtime.request('servers/list', {}));
    expect(error.remote?.code).toBe('INTERNAL');
    expect(error.remote?.message).toContain('loaded');
  });

  test('a handler of a method outside PROTOCOL.md gets the params as sent; undefined answers null', async () => {
    const { host, runtime } = pair();
    host.onRequest('debug/echo', (params) => {
      expect(params).toEqual({ n: 12345678901234, nested: { a: [1, { b: 'ü' }] } });
      return undefined;
    });
    expect(
      await runtime.request('debug/echo', { n: 12345678901234, nested: { a: [1, { b: 'ü' }] } }),
    ).toBeNull();
  });

  test('incoming requests are served concurrently', async () => {
    const { host, runtime } = pair();
    const a = deferred();
    const b = deferred();
    // Each handler waits for the other to start: served one at a time, they would never finish.
    host.onRequest('tools/call', async ({ tool }) => {
      if (tool === 'a') {
        a.resolve();
        await b.promise;
      } else {
        b.resolve();
        await a.promise;
      }
      return { content: [{ type: 'text', text: tool }] };
    });
    const results = await Promise.all([
      runtime.request('tools/call', { server: 's', tool: 'a' }),
      runtime.request('tools/call', { server: 's', tool: 'b' }),
    ]);
    expect(results.map((result) => result.content[0]?.text)).toEqual(['a', 'b']);
  });

  test('aborting a request rejects it with ABORTED and cancels the handler on the other side', async () => {
    const { host, runtime } = pair();
    const started = deferred();
    const cancelled = deferred<unknown>();
    host.onRequest('tools/call', (_params, { signal }) => {
      started.resolve();
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          cancelled.resolve(signal.reason);
          reject(signal.reason);
        });
      });
    });
    const controller = new AbortController();
    const call = runtime.request('tools/call', { server: 's', tool: 'slow' }, { signal: controller.signal });
    await started.promise;
    controller.abort(new Error('user pressed stop'));
    const error = await rejection(call);
    expect(error.code).toBe('ABORTED');
    expect((error.cause as Error).message).toBe('user pressed stop');
    const reason = await cancelled.promise;
    expect(reason).toBeInstanceOf(FrameProtocolError);
    expect((reason as FrameProtocolError).message).toContain('c1');
    // The channel keeps working after the late CANCELLED response arrives and is ignored.
    host.onRequest('servers/list', () => ({ servers: [] }));
    expect(await runtime.request('servers/list', {})).toEqual({ servers: [] });
  });

  test('an already aborted signal rejects at once and sends nothing', async () => {
    const peer = rawPeer('runtime');
    const error = await rejection(peer.channel.request('servers/list', {}, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('ABORTED');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(peer.sent).toEqual([]);
  });

  test('a request that times out rejects with TIMEOUT and sends a cancel', async () => {
    const peer = rawPeer('runtime');
    const error = await rejection(peer.channel.request('servers/list', {}, { timeoutMs: 50 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('50 ms');
    const sent = await peer.sentFrames(2);
    expect(sent).toEqual([
      { type: 'request', id: 'c1', method: 'servers/list', params: {} },
      { type: 'cancel', id: 'c1', reason: 'timeout' },
    ]);
  });

  test('the channel-wide timeout applies when a request gives none', async () => {
    const peer = rawPeer('host', { requestTimeoutMs: 30 });
    expect((await rejection(peer.channel.request('ping', {}))).code).toBe('TIMEOUT');
  });

  test('a result that does not match the method schema rejects with INVALID_RESULT', async () => {
    const peer = rawPeer('runtime');
    const call = peer.channel.request('servers/list', {});
    await peer.sentFrames(1);
    peer.write('{"type":"response","id":"c1","result":{"servers":"all of them"}}');
    const error = await rejection(call);
    expect(error.code).toBe('INVALID_RESULT');
    expect(error.message).toContain('servers');
  });

  test('a response to no pending request is ignored', async () => {
    const peer = rawPeer('host');
    const errors: FrameProtocolError[] = [];
    peer.channel.onProtocolError((error) => errors.push(error));
    peer.write('{"type":"response","id":"h99","result":{}}');
    const ping = peer.channel.request('ping', {});
    await peer.sentFrames(1);
    peer.write('{"type":"response","id":"h1","result":{"extra":true}}');
    expect(await ping).toEqual({});
    expect(errors).toEqual([]);
  });

  test('a peer that reuses the id of a request still being served gets a DUPLICATE_ID protocol error', async () => {
    const peer = rawPeer('host');
    const release = deferred();
    let calls = 0;
    peer.channel.onRequest('servers/list', async () => {
      calls += 1;
      await release.promise;
      return { servers: [] };
    });
    const errors: FrameProtocolError[] = [];
    peer.channel.onProtocolError((error) => errors.push(error));
    peer.write('{"type":"request","id":"c1","method":"servers/list"}');
    peer.write('{"type":"request","id":"c1","method":"servers/list"}');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors.map((error) => error.code)).toEqual(['DUPLICATE_ID']);
    release.resolve();
    expect(await peer.sentFrames(1)).toEqual([{ type: 'response', id: 'c1', result: { servers: [] } }]);
    expect(calls).toBe(1);
  });
});

describe('FrameChannel frames and errors', () => {
  test('non-request frames go to onFrame listeners, including a cancel of the execute', async () => {
    const { host, runtime } = pair();
    const atRuntime: AnyFrame[] = [];
    const atHost: AnyFrame[] = [];
    runtime.onFrame((frame) => atRuntime.push(frame));
    const done = deferred();
    host.onFrame((frame) => {
      atHost.push(frame);
      if (frame.type === 'done') done.resolve();
    });
    await host.send({ type: 'execute', id: 'h1', code: 'print(1)', servers: [], options: {} });
    await host.send({ type: 'cancel', id: 'h1', reason: 'timeout' });
    await runtime.send({ type: 'hello', protocol: 1 });
    await runtime.send({ type: 'stdout', data: '1\n' });
    await runtime.send({
      type: 'done',
      id: 'h1',
      status: 'error',
      error: { type: 'KeyboardInterrupt', message: '' },
    });
    await done.promise;
    expect(atRuntime).toEqual([
      { type: 'execute', id: 'h1', code: 'print(1)', servers: [], options: {} },
      { type: 'cancel', id: 'h1', reason: 'timeout' },
    ]);
    expect(atHost).toEqual([
      { type: 'hello', protocol: 1 },
      { type: 'stdout', data: '1\n' },
      { type: 'done', id: 'h1', status: 'error', error: { type: 'KeyboardInterrupt', message: '' } },
    ]);
  });

  test('garbage from the peer is reported to onProtocolError and the channel goes on', async () => {
    const peer = rawPeer('host');
    const errors: FrameProtocolError[] = [];
    const frames: AnyFrame[] = [];
    peer.channel.onProtocolError((error) => errors.push(error));
    peer.channel.onFrame((frame) => frames.push(frame));
    peer.write('Traceback (most recent call last):');
    peer.write('{"type":"execute","id":"h1","code":""}');
    peer.write('{"type":"stdout","data":42}');
    peer.write('{"type":"stdout","data":"ok"}');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors.map((error) => [error.code, error.line])).toEqual([
      ['INVALID_JSON', 1],
      ['UNKNOWN_FRAME_TYPE', 2],
      ['INVALID_FRAME', 3],
    ]);
    expect(frames).toEqual([{ type: 'stdout', data: 'ok' }]);
  });

  test('a listener that throws does not break the channel', async () => {
    const { host, runtime } = pair();
    host.onFrame(() => {
      throw new Error('listener bug');
    });
    await runtime.send({ type: 'stdout', data: 'x' });
    host.onRequest('servers/list', () => ({ servers: [] }));
    expect(await runtime.request('servers/list', {})).toEqual({ servers: [] });
  });

  test('send refuses frames of the other direction, invalid frames, and lines over the limit', async () => {
    const { host, runtime } = pair({ maxLineBytes: 100 });
    expect((await rejection(runtime.send({ type: 'execute', id: 'x', code: '' } as never))).code).toBe(
      'UNKNOWN_FRAME_TYPE',
    );
    expect((await rejection(host.send({ type: 'cancel', id: '' }))).code).toBe('INVALID_FRAME');
    expect((await rejection(runtime.send({ type: 'stdout', data: 'x'.repeat(100) }))).code).toBe(
      'LINE_TOO_LONG',
    );
    expect(
      (await rejection(host.send({ type: 'request', id: 'h1', method: 'm', params: { n: 1n } }))).code,
    ).toBe('ENCODE_FAILED');
  });

  test('a result too large for one line is answered with FRAME_TOO_LARGE', async () => {
    const { host, runtime } = pair({ maxLineBytes: 1000 });
    host.onRequest('tools/call', () => ({ content: [{ type: 'text', text: 'y'.repeat(2000) }] }));
    const error = await rejection(runtime.request('tools/call', { server: 's', tool: 't' }));
    expect(error.remote?.code).toBe('FRAME_TOO_LARGE');
  });

  test('send waits for the writable to drain, and keeps frames in order', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const writable = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        release = callback;
      },
    });
    const channel = track(new FrameChannel({ side: 'runtime', readable: new PassThrough(), writable }));
    const settled: string[] = [];
    const first = channel.send({ type: 'stdout', data: 'a'.repeat(100) }).then(() => settled.push('first'));
    const second = channel.send({ type: 'stdout', data: 'b' }).then(() => settled.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toEqual([]);
    expect(written).toHaveLength(1);
    release?.();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 0));
    release?.();
    await second;
    expect(settled).toEqual(['first', 'second']);
    expect(written.map((line) => JSON.parse(line).data[0])).toEqual(['a', 'b']);
  });

  test('a queued send whose signal aborts is never written', async () => {
    let release: (() => void) | undefined;
    const written: string[] = [];
    const writable = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        release = callback;
      },
    });
    const channel = track(new FrameChannel({ side: 'runtime', readable: new PassThrough(), writable }));
    const first = channel.send({ type: 'stdout', data: 'first' });
    const controller = new AbortController();
    const second = channel.send({ type: 'stdout', data: 'second' }, { signal: controller.signal });
    controller.abort();
    expect((await rejection(second)).code).toBe('ABORTED');
    release?.();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written.map((line) => JSON.parse(line).data)).toEqual(['first']);
  });
});

describe('FrameChannel close', () => {
  test('when the peer stream ends, pending requests reject with CLOSED and closed resolves', async () => {
    const { host, runtime } = pair();
    host.onRequest('tools/call', () => new Promise(() => {}));
    const call = runtime.request('tools/call', { server: 's', tool: 't' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    host.close();
    const error = await rejection(call);
    expect(error.code).toBe('CLOSED');
    expect(error.message).toContain("host's stream ended");
    expect(await runtime.closed).toEqual({ reason: 'ended' });
    expect(await host.closed).toEqual({ reason: 'closed' });
    expect((await rejection(runtime.request('servers/list', {}))).code).toBe('CLOSED');
    expect((await rejection(runtime.send({ type: 'stdout', data: 'x' }))).code).toBe('CLOSED');
  });

  test('a stream error closes the channel with reason errored', async () => {
    const peer = rawPeer('host');
    const ping = peer.channel.request('ping', {});
    peer.incoming.destroy(new Error('EPIPE'));
    const error = await rejection(ping);
    expect(error.code).toBe('CLOSED');
    expect(error.message).toContain('EPIPE');
    const closed = await peer.channel.closed;
    expect(closed.reason).toBe('errored');
    expect(closed.error?.message).toBe('EPIPE');
  });

  test('closing aborts the handlers being served', async () => {
    const { host, runtime } = pair();
    const aborted = deferred<unknown>();
    host.onRequest('tools/call', (_params, { signal }) => {
      signal.addEventListener('abort', () => aborted.resolve(signal.reason));
      return new Promise(() => {});
    });
    void runtime.request('tools/call', { server: 's', tool: 't' }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 10));
    host.close();
    expect(((await aborted.promise) as FrameProtocolError).code).toBe('CLOSED');
  });
});

describe('FrameChannel.waitForHello', () => {
  test('resolves with a hello of this protocol version, even when it arrived earlier', async () => {
    const peer = rawPeer('host');
    peer.write('{"type":"hello","protocol":1,"python":"3.11.2","pid":1}');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await peer.channel.waitForHello({ timeoutMs: 1000 })).toEqual({
      type: 'hello',
      protocol: 1,
      python: '3.11.2',
      pid: 1,
    });
  });

  test.each([
    ['{"type":"hello","protocol":2}', 'VERSION_MISMATCH', 'protocol 2'],
    ['{"type":"stdout","data":"hi"}', 'HANDSHAKE_FAILED', '"stdout"'],
    ['python3: not found', 'HANDSHAKE_FAILED', 'python3: not found'],
  ])('rejects when the first line is %s', async (line, code, text) => {
    const peer = rawPeer('host');
    const hello = peer.channel.waitForHello({ timeoutMs: 1000 });
    peer.write(line);
    const error = await rejection(hello);
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  test('rejects with TIMEOUT, ABORTED or CLOSED when no hello comes', async () => {
    expect((await rejection(rawPeer('host').channel.waitForHello({ timeoutMs: 20 }))).code).toBe('TIMEOUT');
    const controller = new AbortController();
    const aborted = rawPeer('host').channel.waitForHello({ signal: controller.signal });
    controller.abort();
    expect((await rejection(aborted)).code).toBe('ABORTED');
    const peer = rawPeer('host');
    const closed = peer.channel.waitForHello();
    peer.incoming.end();
    expect((await rejection(closed)).code).toBe('CLOSED');
  });
});
