import { describe, expect, test } from 'vitest';
import { FrameDecoder } from './decoder.js';
import { FrameProtocolError } from './errors.js';
import { HelloHandshake } from './handshake.js';

const decoder = () => new FrameDecoder({ direction: 'runtime_to_host' });
const first = (line: string) => decoder().push(`${line}\n`)[0]!;

async function rejection(promise: Promise<unknown>): Promise<FrameProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameProtocolError);
  return error as FrameProtocolError;
}

describe('HelloHandshake', () => {
  test('resolves with the first frame when it is a hello, for waits before and after it came', async () => {
    const handshake = new HelloHandshake('runtime');
    const before = handshake.wait({ timeoutMs: 1000 });
    handshake.observe(first('{"type":"hello","protocol":1,"pid":7}'));
    handshake.observe(first('{"type":"hello","protocol":2}'));
    expect(await before).toEqual({ type: 'hello', protocol: 1, pid: 7 });
    expect(await handshake.wait({ timeoutMs: Infinity })).toEqual({ type: 'hello', protocol: 1, pid: 7 });
  });

  test.each([
    ['{"type":"stdout","data":"x"}', 'HANDSHAKE_FAILED', 'first frame was "stdout"'],
    ['Traceback (most recent call last):', 'HANDSHAKE_FAILED', 'first line was not a hello frame'],
    ['{"type":"hello","protocol":9}', 'VERSION_MISMATCH', 'protocol 9'],
  ])('refuses a first line %s', async (line, code, text) => {
    const handshake = new HelloHandshake('runtime');
    handshake.observe(first(line));
    const error = await rejection(handshake.wait({ timeoutMs: 1000 }));
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
  });

  test('rejects with the closing error, TIMEOUT or ABORTED when no hello comes', async () => {
    const closed = new HelloHandshake('runtime');
    closed.close(new FrameProtocolError('CLOSED', 'stream ended'));
    expect((await rejection(closed.wait({ timeoutMs: 1000 }))).code).toBe('CLOSED');
    const silent = new HelloHandshake('runtime');
    const timedOut = await rejection(silent.wait({ timeoutMs: 20 }));
    expect(timedOut.code).toBe('TIMEOUT');
    expect(timedOut.message).toContain('no hello within 20 ms');
    const controller = new AbortController();
    const waiting = silent.wait({ timeoutMs: Infinity, signal: controller.signal });
    controller.abort();
    expect((await rejection(waiting)).code).toBe('ABORTED');
    expect((await rejection(silent.wait({ timeoutMs: 1000, signal: AbortSignal.abort() }))).code).toBe(
      'ABORTED',
    );
  });
});
