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

  it('calls an id with this process’s pid that none of its bridges uses an earlier life’s', () => {
    const own = { pid: 1, instances: new Set([bridgeInstanceId('pod-a', 1, 'now')]) };
    const alive = () => true;
    expect(isLeftover(bridgeInstanceId('pod-a', 1, 'before'), 'pod-a', alive, own)).toBe(true);
    expect(isLeftover(bridgeInstanceId('pod-a', 1, 'now'), 'pod-a', alive, own)).toBe(false);
    // Another live process of this host keeps its containers; another host's are never touched.
    expect(isLeftover(bridgeInstanceId('pod-a', 2, 'x'), 'pod-a', alive, own)).toBe(false);
    expect(isLeftover(bridgeInstanceId('pod-b', 1, 'before'), 'pod-a', alive, own)).toBe(false);
  });
});
