import { describe, expect, it } from 'vitest';
import { allowedHostNames, originAllowed, tokenMatches } from './http-guards.js';

describe('allowedHostNames', () => {
  it.each<[string, string[], string[] | undefined]>([
    ['127.0.0.1', [], ['localhost', '127.0.0.1', '[::1]']],
    ['localhost', ['bridge.test'], ['bridge.test', 'localhost', '127.0.0.1', '[::1]']],
    ['::1', [], ['localhost', '127.0.0.1', '[::1]']],
    ['192.168.1.5', [], ['192.168.1.5']],
    ['Bridge.Example', ['other.example'], ['other.example', 'bridge.example']],
    ['0.0.0.0', [], undefined],
    ['::', ['bridge.example'], ['bridge.example']],
  ])('binding %s with %j accepts %j', (host, extra, expected) => {
    expect(allowedHostNames(host, extra)?.sort()).toEqual(expected?.sort());
  });
});

describe('originAllowed', () => {
  const hosts = ['localhost', '127.0.0.1', '[::1]'];
  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['http://localhost:3000', true],
    ['http://127.0.0.1', true],
    ['http://[::1]:8080', true],
    ['https://evil.example', false],
    ['http://localhost.evil.example', false],
    ['null', false],
    ['https://app.example', true],
  ])('%s -> %s', (origin, allowed) => {
    expect(originAllowed(origin, { hosts, origins: ['https://app.example'] })).toBe(allowed);
  });

  it('refuses browser origins on a wildcard bind unless listed', () => {
    expect(originAllowed('https://x.example', { hosts: undefined, origins: [] })).toBe(false);
    expect(originAllowed('https://x.example', { hosts: undefined, origins: ['https://x.example'] })).toBe(
      true,
    );
  });
});

describe('tokenMatches', () => {
  it.each([
    ['secret-token-123456', 'secret-token-123456', true],
    ['secret-token-123457', 'secret-token-123456', false],
    ['short', 'secret-token-123456', false],
    ['', 'secret-token-123456', false],
  ])('%s vs %s', (a, b, expected) => {
    expect(tokenMatches(a, b)).toBe(expected);
  });
});
