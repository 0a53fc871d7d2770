import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type DecodeEvent, decodeFrames, FrameDecoder, FrameDecodeStream } from './decoder.js';
import { encodeFrame } from './encoder.js';
import { FrameProtocolError } from './errors.js';
import type { AnyFrame } from './frames.js';

const MiB = 1024 * 1024;

interface PushDecoder {
  push(chunk: Uint8Array | string): DecodeEvent<unknown>[];
  end(): DecodeEvent<unknown>[];
}

function decodeAll(
  chunks: Iterable<Uint8Array | string>,
  decoder: PushDecoder = new FrameDecoder(),
): DecodeEvent<unknown>[] {
  const events: DecodeEvent<unknown>[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return events;
}

/** Comparable form of events: frames as they are, errors by code and line. */
function summary(events: DecodeEvent<unknown>[]): unknown[] {
  return events.map((event) =>
    event.ok ? { frame: event.frame, line: event.line } : { error: event.error.code, line: event.error.line },
  );
}

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(data.subarray(previous, point));
    previous = point;
  }
  chunks.push(data.subarray(previous));
  return chunks;
}

const outputFrame = fc.record({
  type: fc.constantFrom('stdout' as const, 'stderr' as const),
  data: fc.string({ unit: 'binary', maxLength: 40 }),
});
const requestFrame = fc.record({
  type: fc.constant('request' as const),
  id: fc.string({ minLength: 1, maxLength: 8 }),
  method: fc.constantFrom('tools/call', 'servers/list', 'tools/search'),
  params: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
});
const anyFrame: fc.Arbitrary<AnyFrame> = fc.oneof(
  outputFrame,
  requestFrame,
  fc.record({ type: fc.constant('cancel' as const), id: fc.string({ minLength: 1, maxLength: 8 }) }),
  fc.record({ type: fc.constant('hello' as const), protocol: fc.integer({ min: 1, max: 9 }) }),
);
// Lines that are not frames, mixed in to check that errors keep their place in the stream.
const junkLine = fc.constantFrom('not json', '[1,2]', '"text"', '{"type":"nope"}', '{"type":"stdout"}', '{');

describe('FrameDecoder', () => {
  test('decodes one frame per line and numbers the lines', () => {
    const events = decodeAll([
      encodeFrame({ type: 'hello', protocol: 1 }) + encodeFrame({ type: 'stdout', data: 'hi\n' }),
    ]);
    expect(summary(events)).toEqual([
      { frame: { type: 'hello', protocol: 1 }, line: 1 },
      { frame: { type: 'stdout', data: 'hi\n' }, line: 2 },
    ]);
  });

  test('skips empty lines and tolerates CRLF line ends, but still counts the lines', () => {
    const events = decodeAll(['\n{"type":"cancel","id":"h1"}\r\n\r\n{"type":"cancel","id":"h2"}']);
    expect(summary(events)).toEqual([
      { frame: { type: 'cancel', id: 'h1' }, line: 2 },
      { frame: { type: 'cancel', id: 'h2' }, line: 4 },
    ]);
  });

  test.each([
    ['not json', 'INVALID_JSON'],
    ['{"type":"cancel","id":"h1"', 'INVALID_JSON'],
    ['null', 'NOT_AN_OBJECT'],
    ['[{"type":"cancel","id":"h1"}]', 'NOT_AN_OBJECT'],
    ['42', 'NOT_AN_OBJECT'],
    ['{"type":"teleport"}', 'UNKNOWN_FRAME_TYPE'],
    ['{"id":"h1"}', 'INVALID_FRAME'],
    ['{"type":7}', 'INVALID_FRAME'],
    ['{"type":"cancel","id":""}', 'INVALID_FRAME'],
  ])('reports %s as %s with its line number and an excerpt, then goes on', (line, code) => {
    const events = decodeAll([`${line}\n{"type":"cancel","id":"h9"}\n`]);
    expect(summary(events)).toEqual([
      { error: code, line: 1 },
      { frame: { type: 'cancel', id: 'h9' }, line: 2 },
    ]);
    const error = (events[0] as { error: FrameProtocolError }).error;
    expect(error).toBeInstanceOf(FrameProtocolError);
    expect(error.excerpt).toBe(line);
    expect(error.message).toContain('Line 1');
  });

  test('an excerpt is short even when the line is long', () => {
    const [event] = decodeAll([`${'z'.repeat(10_000)}\n`]);
    expect(event?.ok).toBe(false);
    const error = (event as { error: FrameProtocolError }).error;
    expect(error.code).toBe('INVALID_JSON');
    expect(error.excerpt!.length).toBeLessThanOrEqual(61);
    expect(error.message.length).toBeLessThan(300);
  });

  test('accepts only the frame types of its direction', () => {
    const execute = encodeFrame({ type: 'execute', id: 'h1', code: '1', servers: [], options: {} });
    const stdout = encodeFrame({ type: 'stdout', data: 'x' });
    const host = decodeAll([execute + stdout], new FrameDecoder({ direction: 'runtime_to_host' }));
    expect(summary(host)).toEqual([
      { error: 'UNKNOWN_FRAME_TYPE', line: 1 },
      { frame: { type: 'stdout', data: 'x' }, line: 2 },
    ]);
    const runtime = decodeAll([execute + stdout], new FrameDecoder({ direction: 'host_to_runtime' }));
    expect(summary(runtime).map((event) => (event as { error?: string }).error)).toEqual([
      undefined,
      'UNKNOWN_FRAME_TYPE',
    ]);
  });

  test('applies schema defaults, or with validate: false passes the object through untouched', () => {
    const line = '{"type":"request","id":"c1","method":"servers/list","extra":1}\n';
    expect(decodeAll([line])[0]).toEqual({
      ok: true,
      line: 1,
      frame: { type: 'request', id: 'c1', method: 'servers/list', params: {} },
    });
    expect(decodeAll([line], new FrameDecoder({ validate: false }))[0]).toEqual({
      ok: true,
      line: 1,
      frame: { type: 'request', id: 'c1', method: 'servers/list', extra: 1 },
    });
  });

  test('decodes a final line that has no newline when the input ends', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push('{"type":"cancel","id":"h1"}')).toEqual([]);
    expect(decoder.bufferedBytes).toBe(27);
    expect(summary(decoder.end())).toEqual([{ frame: { type: 'cancel', id: 'h1' }, line: 1 }]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test('decodes UTF-8 split across chunks, one byte at a time', () => {
    const data = Buffer.from(encodeFrame({ type: 'stdout', data: 'héllo wörld — 你好 👋🏽 \u{1F600}' }));
    const bytes = [...data].map((byte) => Uint8Array.of(byte));
    expect(summary(decodeAll(bytes))).toEqual(summary(decodeAll([data])));
    expect((decodeAll(bytes)[0] as { frame: { data: string } }).frame.data).toBe(
      'héllo wörld — 你好 👋🏽 \u{1F600}',
    );
  });

  test('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    const data = Buffer.concat([
      Buffer.from('{"type":"stdout","data":"a'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from('b"}\n'),
    ]);
    expect(summary(decodeAll([data]))).toEqual([
      { frame: { type: 'stdout', data: 'a\uFFFD\uFFFDb' }, line: 1 },
    ]);
  });

  test('random chunking decodes exactly like a whole read (multi-byte UTF-8, junk lines included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            anyFrame.map(encodeFrame),
            junkLine.map((line) => `${line}\n`),
          ),
          { maxLength: 30 },
        ),
        fc.array(fc.nat(), { maxLength: 40 }),
        (lines, cuts) => {
          const data = Buffer.from(lines.join(''), 'utf8');
          const whole = summary(decodeAll([data]));
          expect(summary(decodeAll(splitAt(data, cuts)))).toEqual(whole);
          expect(whole).toHaveLength(lines.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('random chunking with a small line limit reports the same too-long lines as a whole read', () => {
    fc.assert(
      fc.property(
        fc.array(anyFrame.map(encodeFrame), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 80 }),
        (lines, cuts, maxLineBytes) => {
          const data = Buffer.from(lines.join(''), 'utf8');
          const whole = summary(decodeAll([data], new FrameDecoder({ maxLineBytes })));
          const split = summary(decodeAll(splitAt(data, cuts), new FrameDecoder({ maxLineBytes })));
          expect(split).toEqual(whole);
          const tooLong = lines.filter((line) => Buffer.byteLength(line) - 1 > maxLineBytes).length;
          expect(
            whole.filter((event) => (event as { error?: string }).error === 'LINE_TOO_LONG'),
          ).toHaveLength(tooLong);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('random bytes never escape as anything but typed decode events', () => {
    const codes = new Set([
      'LINE_TOO_LONG',
      'INVALID_JSON',
      'NOT_AN_OBJECT',
      'UNKNOWN_FRAME_TYPE',
      'INVALID_FRAME',
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(Uint8Array.of(0x0a))), {
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 64 }),
        (chunks, maxLineBytes) => {
          const events = decodeAll(chunks, new FrameDecoder({ maxLineBytes }));
          for (const event of events) {
            if (!event.ok) {
              expect(event.error).toBeInstanceOf(FrameProtocolError);
              expect(codes.has(event.error.code)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('JSON-ish random text never escapes as anything but typed decode events', () => {
    fc.assert(
      fc.property(fc.array(fc.json(), { maxLength: 20 }), (values) => {
        for (const event of decodeAll([values.join('\n')])) {
          if (!event.ok) expect(event.error).toBeInstanceOf(FrameProtocolError);
        }
      }),
    );
  });

  test('a 20 MiB frame round-trips through encoder and decoder in 64 KiB chunks', () => {
    const data = `${'ä'.repeat(10 * MiB - 5)}😀🙃`;
    const line = Buffer.from(encodeFrame({ type: 'stdout', data }));
    expect(line.length).toBeGreaterThan(20 * MiB);
    const chunks: Buffer[] = [];
    for (let i = 0; i < line.length; i += 64 * 1024) chunks.push(line.subarray(i, i + 64 * 1024));
    const events = decodeAll(chunks);
    expect(events).toHaveLength(1);
    expect(events[0]?.ok && events[0].frame).toEqual({ type: 'stdout', data });
  });

  test('a line over the limit is reported once and skipped without being buffered', () => {
    const maxLineBytes = MiB;
    const decoder = new FrameDecoder({ maxLineBytes });
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const events: DecodeEvent[] = [...decoder.push('{"type":"stdout","data":"')];
    let maxBuffered = 0;
    for (let pushed = 0; pushed < 200 * MiB; pushed += chunk.length) {
      events.push(...decoder.push(chunk));
      maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
    }
    expect(maxBuffered).toBeLessThanOrEqual(maxLineBytes);
    expect(decoder.bufferedBytes).toBe(0);
    expect(summary(events)).toEqual([{ error: 'LINE_TOO_LONG', line: 1 }]);
    const error = (events[0] as { error: FrameProtocolError }).error;
    expect(error.excerpt).toMatch(/^\{"type":"stdout","data":"a+…$/);
    // The never-ending line finally ends; the next line decodes normally.
    events.push(...decoder.push('aaa"}\n{"type":"cancel","id":"h1"}\n'));
    expect(summary(events)).toEqual([
      { error: 'LINE_TOO_LONG', line: 1 },
      { frame: { type: 'cancel', id: 'h1' }, line: 2 },
    ]);
  });

  test('a line exactly at the limit is accepted, one byte more is not', () => {
    const line = '{"type":"cancel","id":"h1"}';
    const atLimit = new FrameDecoder({ maxLineBytes: line.length });
    expect(summary(decodeAll([`${line}\n`], atLimit))).toEqual([
      { frame: { type: 'cancel', id: 'h1' }, line: 1 },
    ]);
    const under = new FrameDecoder({ maxLineBytes: line.length - 1 });
    expect(summary(decodeAll([`${line}\n`], under))).toEqual([{ error: 'LINE_TOO_LONG', line: 1 }]);
  });

  test('rejects a limit that is not a positive integer', () => {
    expect(() => new FrameDecoder({ maxLineBytes: 0 })).toThrow(
      expect.objectContaining({ name: 'FrameProtocolError', code: 'INVALID_OPTIONS' }),
    );
  });
});

describe('FrameDecodeStream and decodeFrames', () => {
  const input = () =>
    Readable.from(
      [Buffer.from('{"type":"hello","protocol":1}\n{"type":"std'), Buffer.from('out","data":"x"}\nbad\n')],
      { objectMode: false },
    );
  const expected = [
    { frame: { type: 'hello', protocol: 1 }, line: 1 },
    { frame: { type: 'stdout', data: 'x' }, line: 2 },
    { error: 'INVALID_JSON', line: 3 },
  ];

  test('the Transform turns a byte stream into events', async () => {
    const events: DecodeEvent[] = [];
    for await (const event of input().pipe(new FrameDecodeStream({ direction: 'runtime_to_host' }))) {
      events.push(event);
    }
    expect(summary(events)).toEqual(expected);
  });

  test('decodeFrames iterates a readable', async () => {
    const events: DecodeEvent[] = [];
    for await (const event of decodeFrames(input(), { direction: 'runtime_to_host' })) events.push(event);
    expect(summary(events)).toEqual(expected);
  });

  test('decodeFrames stops at once when its signal aborts, even while waiting for data', async () => {
    const stream = new PassThrough();
    const controller = new AbortController();
    const events: DecodeEvent[] = [];
    const done = (async () => {
      for await (const event of decodeFrames(stream, { signal: controller.signal })) {
        events.push(event);
        // Aborted later, while the loop is waiting for more data that never comes.
        setTimeout(() => controller.abort(), 10);
      }
    })();
    stream.write('{"type":"cancel","id":"h1"}\n');
    await done;
    expect(summary(events)).toEqual([{ frame: { type: 'cancel', id: 'h1' }, line: 1 }]);
    expect(stream.destroyed).toBe(true);
  });
});
