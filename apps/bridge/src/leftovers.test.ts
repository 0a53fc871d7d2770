import { describe, expect, it } from 'vitest';
import { bridgeInstanceId, isLeftover } from './leftovers.js';

describe('isLeftover', () => {
  const alive = (pid: number) => pid === 100;
  it.each<[string, boolean]>([
    [bridgeInstanceId('box', 200, 'abc'), true],
    [bridgeInstanceId('box', 100, 'abc'), false],
    [bridgeInstanceId('other-host', 200, 'abc'), false],
    ['random-instance-of-a-library-user', false],
    ['bridge.box.notapid.x', false],
  ])('%s -> %s', (instance, expected) => {
    expect(isLeftover(instance, 'box', alive)).toBe(expected);
  });

  it('matches host names with dots the way ids write them', () => {
    const id = bridgeInstanceId('node-1.example.com', 7, 'r');
    expect(id).toBe('bridge.node-1-example-com.7.r');
    expect(isLeftover(id, 'node-1.example.com', () => false)).toBe(true);
  });
});
