import { describe, expect, test } from 'vitest';
import { FrameDecoder } from './decoder.js';
import { encodeFrame } from './encoder.js';
import { FrameProtocolError } from './errors.js';
import type { AnyFrame } from './frames.js';

describe('encodeFrame', () => {
  test('writes one line ending in a newline, with newlines in strings escaped', () => {
    const line = encodeFrame({ type: 'stdout', data: 'a\nb\r\nc\u2028' });
    expect(line).toBe('{"type":"stdout","data":"a\\nb\\r\\nc\u2028"}\n');
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });

  test('escapes lone surrogates, so the line is valid UTF-8 and decodes back to the same string', () => {
    const data = 'x\ud800y\udfffz';
    const line = encodeFrame({ type: 'stdout', data });
    expect(line).toContain('\\ud800');
    const bytes = Buffer.from(line, 'utf8');
    expect(bytes.toString('utf8')).toBe(line);
    const [event] = new FrameDecoder().push(bytes);
    expect(event?.ok && event.frame).toEqual({ type: 'stdout', data });
  });

  test.each([
    ['a BigInt', { type: 'request', id: 'c1', method: 'm', params: { n: 1n } }],
    [
      'a cycle',
      (() => {
        const params: Record<string, unknown> = {};
        params.self = params;
        return { type: 'request', id: 'c1', method: 'm', params };
      })(),
    ],
    ['a non-object', 'stdout'],
    ['an object without type', { id: 'c1' }],
  ])('refuses %s with ENCODE_FAILED', (_name, frame) => {
    let caught: unknown;
    try {
      encodeFrame(frame as AnyFrame);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameProtocolError);
    expect((caught as FrameProtocolError).code).toBe('ENCODE_FAILED');
  });
});
