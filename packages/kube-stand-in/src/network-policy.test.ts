import { describe, expect, it } from 'vitest';
import { InvalidObjectError } from './errors.js';
import { parseLabelSelector } from './label-selector.js';
import { NetworkPolicyStore, validateNetworkPolicy } from './network-policy.js';

const policy = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, labels },
  spec: {
    podSelector: { matchLabels: { 'codexec.dev/managed': 'true' } },
    policyTypes: ['Ingress', 'Egress'],
  },
});

function fieldOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof InvalidObjectError) return error.field;
    throw error;
  }
  throw new Error('no error');
}

describe('validateNetworkPolicy', () => {
  it('takes a valid policy', () => {
    expect(validateNetworkPolicy(policy('deny-all')).metadata.name).toBe('deny-all');
  });

  it.each([
    ['a policy type outside the schema', { spec: { policyTypes: ['Sideways'] } }, 'spec.policyTypes[0]'],
    [
      'a label value that is no string',
      { spec: { podSelector: { matchLabels: { a: 1 } } } },
      'spec.podSelector.matchLabels.a',
    ],
    ['no name', { metadata: {} }, 'metadata.name'],
    ['a name that is no DNS subdomain', { metadata: { name: 'Deny_All' } }, 'metadata.name'],
    ['another kind', { kind: 'Pod' }, 'kind'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    expect(fieldOf(() => validateNetworkPolicy({ ...policy('p'), ...change }))).toBe(field);
  });
});

describe('NetworkPolicyStore', () => {
  it('fills the metadata, refuses a taken name, lists by labels and deletes', () => {
    const store = new NetworkPolicyStore('ns');
    const created = store.create(validateNetworkPolicy(policy('b', { tier: 'sandbox' })))!;
    expect(created.metadata).toMatchObject({ name: 'b', namespace: 'ns', resourceVersion: '1' });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(store.create(validateNetworkPolicy(policy('b')))).toBeUndefined();
    store.create(validateNetworkPolicy(policy('a')));
    expect(store.list().map((item) => item.metadata.name)).toEqual(['a', 'b']);
    const sandbox = parseLabelSelector('tier=sandbox');
    if (typeof sandbox === 'string') throw new Error(sandbox);
    expect(store.list(sandbox).map((item) => item.metadata.name)).toEqual(['b']);
    expect(store.delete('b')?.metadata.uid).toBe(created.metadata.uid);
    expect(store.get('b')).toBeUndefined();
    expect(store.delete('b')).toBeUndefined();
    expect(store.revision).toBe('3');
  });

  it('hands out copies, so a caller cannot change what is stored', () => {
    const store = new NetworkPolicyStore('ns');
    store.create(validateNetworkPolicy(policy('a')))!.metadata.name = 'changed';
    store.get('a')!.metadata.labels = { x: 'y' };
    expect(store.get('a')?.metadata).toMatchObject({ name: 'a', labels: {} });
  });
});
