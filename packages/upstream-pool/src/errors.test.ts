import { expect, test } from 'vitest';
import { isUpstreamError, UpstreamError, withStderr } from './errors.js';

test('withStderr quotes the last lines under the message', () => {
  const tail = Array.from({ length: 20 }, (_, index) => `line ${index}`);
  const message = withStderr('It broke.', tail);
  expect(message.startsWith('It broke.\nLast stderr lines of the server:\n  | line 8\n')).toBe(true);
  expect(message.endsWith('  | line 19')).toBe(true);
  expect(withStderr('It broke.', [])).toBe('It broke.');
});

test('UpstreamError carries its code, server and cause', () => {
  const cause = new Error('spawn x ENOENT');
  const error = new UpstreamError('START_FAILED', 'no', { server: 's', stderrTail: ['a'], cause });
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({
    name: 'UpstreamError',
    code: 'START_FAILED',
    server: 's',
    stderrTail: ['a'],
    cause,
  });
});

test('isUpstreamError tells UpstreamErrors apart, by code when one is given', () => {
  const error = new UpstreamError('ABORTED', 'stopped');
  expect(isUpstreamError(error)).toBe(true);
  expect(isUpstreamError(error, 'ABORTED')).toBe(true);
  expect(isUpstreamError(error, 'TIMEOUT')).toBe(false);
  expect(isUpstreamError(Object.assign(new Error('x'), { code: 'ABORTED' }), 'ABORTED')).toBe(false);
  expect(isUpstreamError(undefined)).toBe(false);
});
