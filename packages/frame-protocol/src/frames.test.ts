import { describe, expect, test } from 'vitest';
import { AnyFrame, PROTOCOL_VERSION } from './frames.js';

describe('frames', () => {
  test('a hello frame announces the protocol version', () => {
    const frame = AnyFrame.parse({ type: 'hello', protocol: PROTOCOL_VERSION, python: '3.11.2' });
    expect(frame).toEqual({ type: 'hello', protocol: 1, python: '3.11.2' });
  });
  test('a response carries either a result or an error, not both', () => {
    expect(
      AnyFrame.safeParse({ type: 'response', id: 'c1', result: 1, error: { code: 'X', message: 'm' } })
        .success,
    ).toBe(false);
  });
});
