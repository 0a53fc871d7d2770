import { describe, expect, it } from 'vitest';
import { findOrphans, LABEL_OWNER_HOST, LABEL_OWNER_PID, ownerLabels, processIsAlive } from './orphans.js';
import type { ContainerSummary } from './runtime.js';

const container = (name: string, labels: Record<string, string>): ContainerSummary => ({
  id: name,
  name,
  labels,
  state: 'running',
});

describe('findOrphans', () => {
  const alive = new Set([100, 200]);
  const containers = [
    container('live', { [LABEL_OWNER_PID]: '100', [LABEL_OWNER_HOST]: 'here' }),
    container('dead', { [LABEL_OWNER_PID]: '300', [LABEL_OWNER_HOST]: 'here' }),
    container('other-host', { [LABEL_OWNER_PID]: '300', [LABEL_OWNER_HOST]: 'there' }),
    container('no-owner', { 'codexec.managed': 'true' }),
    container('bad-pid', { [LABEL_OWNER_PID]: 'x', [LABEL_OWNER_HOST]: 'here' }),
    container('zero-pid', { [LABEL_OWNER_PID]: '0', [LABEL_OWNER_HOST]: 'here' }),
  ];

  it('finds only the containers of this host whose owner died', () => {
    const orphans = findOrphans(containers, { host: 'here', isAlive: (pid) => alive.has(pid) });
    expect(orphans.map((c) => c.name)).toEqual(['dead']);
  });

  it('finds nothing when every owner lives', () => {
    expect(findOrphans(containers, { host: 'here', isAlive: () => true })).toEqual([]);
  });
});

describe('ownerLabels', () => {
  it('names this process by default, or the given owner', () => {
    expect(ownerLabels({ pid: 42, host: 'h' })).toEqual({ [LABEL_OWNER_PID]: '42', [LABEL_OWNER_HOST]: 'h' });
    expect(ownerLabels()[LABEL_OWNER_PID]).toBe(String(process.pid));
  });
});

describe('processIsAlive', () => {
  it('knows this process lives and an unused pid does not', () => {
    expect(processIsAlive(process.pid)).toBe(true);
    expect(processIsAlive(2 ** 22 + 12345)).toBe(false);
  });
});
