import { PassThrough, Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { type DecodeEvent, FrameDecoder } from './decoder.js';
import { FrameProtocolError } from './errors.js';
import { FrameStream, type StreamEnd } from './frame-stream.js';

/** A writable that takes one chunk at a time and holds it until `release()`. */
function slowWritable(highWaterMark: number) {
  const written: string[] = [];
  let callback: (() => void) | undefined;
  const writable = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      callback = done;
    },
  });
  return { writable, written, release: () => callback?.() };
}

function stream(writable: Writable = new PassThrough(), readable = new PassThrough()) {
  const events: DecodeEvent<unknown>[] = [];
  const ends: StreamEnd[] = [];
  const frames = new FrameStream({
    readable,
    writable,
    decoder: new FrameDecoder({ direction: 'runtime_to_host' }),
    onEvent: (event) => events.push(event),
    onEnd: (end) => ends.push(end),
    closedError: () => new FrameProtocolError('CLOSED', 'closed for the test'),
  });
  return { frames, readable, events, ends };
}

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<FrameProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameProtocolError);
  return error as FrameProtocolError;
}

describe('FrameStream reading', () => {
  test('decodes lines split across chunks, a last line without a newline, then reports the end', async () => {
    const { readable, events, ends } = stream();
    readable.write('{"type":"stdout","da');
    readable.write('ta":"a"}\nnot json\n{"type":"stdout","data":"b"}');
    readable.end();
    await tick();
    expect(events.map((event) => (event.ok ? event.frame : event.error.code))).toEqual([
      { type: 'stdout', data: 'a' },
      'INVALID_JSON',
      { type: 'stdout', data: 'b' },
    ]);
    expect(ends[0]).toEqual({ reason: 'ended' });
  });

  test('reports a stream error, and decodes nothing more after stop()', async () => {
    const { frames, readable, events, ends } = stream();
    frames.stop();
    readable.write('{"type":"stdout","data":"late"}\n');
    await tick();
    expect(events).toEqual([]);
    readable.destroy(new Error('EPIPE'));
    await tick();
    expect(ends).toContainEqual({ reason: 'errored', error: new Error('EPIPE') });
  });
});

describe('FrameStream writing', () => {
  test('writes in order, each line after the writable took the one before', async () => {
    const { writable, written, release } = slowWritable(8);
    const { frames } = stream(writable);
    const settled: string[] = [];
    const first = frames.write('first line\n').then(() => settled.push('first'));
    const second = frames.write('second\n').then(() => settled.push('second'));
    await tick();
    expect(written).toEqual(['first line\n']);
    expect(settled).toEqual([]);
    release();
    await first;
    await tick(0);
    release();
    await second;
    expect(written).toEqual(['first line\n', 'second\n']);
    expect(settled).toEqual(['first', 'second']);
  });

  test('a line whose signal fires while it waits for its turn is refused at once and never written', async () => {
    const { writable, written, release } = slowWritable(4);
    const { frames } = stream(writable);
    const first = frames.write('first\n');
    const controller = new AbortController();
    const second = frames.write('second\n', controller.signal);
    controller.abort(new Error('gave up'));
    const error = await rejection(second);
    expect(error.code).toBe('ABORTED');
    expect((error.cause as Error).message).toBe('gave up');
    release();
    await first;
    await tick();
    expect(written).toEqual(['first\n']);
    expect((await rejection(frames.write('x\n', AbortSignal.abort()))).code).toBe('ABORTED');
  });

  test('stop() rejects the write waiting for drain and every later one with the closed error', async () => {
    const { writable } = slowWritable(4);
    const { frames } = stream(writable);
    const waiting = frames.write('a long line\n');
    await tick();
    frames.stop();
    expect((await rejection(waiting)).code).toBe('CLOSED');
    expect((await rejection(frames.write('more\n'))).code).toBe('CLOSED');
  });

  test('endWritable() ends the writable once', async () => {
    const writable = new PassThrough();
    const { frames } = stream(writable);
    frames.endWritable();
    frames.endWritable();
    expect(writable.writableEnded).toBe(true);
  });
});
