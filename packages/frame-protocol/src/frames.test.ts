import { describe, expect, test } from 'vitest';
import { FrameProtocolError } from './errors.js';
import { AnyFrame, DoneFrame, PROTOCOL_VERSION, ResponseFrame, WireErrorCode } from './frames.js';
import { checkHello } from './handshake.js';

// Line-level tables of every frame type, valid and invalid, live in vectors/ (test/vectors.test.ts); these are the
// rules a vector cannot show on its own.
describe('frames', () => {
  test('a hello frame announces the protocol version', () => {
    const frame = AnyFrame.parse({ type: 'hello', protocol: PROTOCOL_VERSION, python: '3.11.2' });
    expect(frame).toEqual({ type: 'hello', protocol: 1, python: '3.11.2' });
  });

  test.each([
    [{ type: 'response', id: 'c1', result: 1, error: { code: 'X', message: 'm' } }, false],
    [{ type: 'response', id: 'c1' }, false],
    [{ type: 'response', id: 'c1', result: null }, true],
    [{ type: 'response', id: 'c1', error: { code: 'TIMEOUT', message: 'm', data: [1] } }, true],
  ])('a response carries exactly one of result and error: %j', (frame, ok) => {
    expect(ResponseFrame.safeParse(frame).success).toBe(ok);
  });

  test.each([
    [{ status: 'success' }, true],
    [{ status: 'error', error: { type: 'ValueError', message: 'bad' } }, true],
    [{ status: 'error' }, false],
    [{ status: 'success', error: { type: 'ValueError', message: 'bad' } }, false],
  ])('done: an error status needs an error and only it has one: %j', (fields, ok) => {
    expect(DoneFrame.safeParse({ type: 'done', id: 'h1', ...fields }).success).toBe(ok);
  });

  test('wire error codes include the ones every peer must understand', () => {
    for (const code of [
      'TOOL_ERROR',
      'TIMEOUT',
      'CANCELLED',
      'UNKNOWN_METHOD',
      'INVALID_PARAMS',
      'INTERNAL',
    ]) {
      expect(WireErrorCode.safeParse(code).success).toBe(true);
    }
  });
});

describe('checkHello', () => {
  test('accepts this protocol version', () => {
    expect(() => checkHello({ type: 'hello', protocol: PROTOCOL_VERSION })).not.toThrow();
  });

  test('refuses another major with VERSION_MISMATCH and a message that says what to do', () => {
    let caught: unknown;
    try {
      checkHello({ type: 'hello', protocol: PROTOCOL_VERSION + 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameProtocolError);
    expect((caught as FrameProtocolError).code).toBe('VERSION_MISMATCH');
    expect((caught as FrameProtocolError).message).toMatch(/protocol 2.*speaks 1.*same release/);
  });
});
