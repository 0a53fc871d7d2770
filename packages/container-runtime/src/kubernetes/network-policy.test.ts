import { describe, expect, it } from 'vitest';
import {
  describeIsolation,
  isolatingPolicies,
  type NetworkPolicyView,
  sandboxIsolation,
  sandboxNetworkPolicy,
  selects,
} from './network-policy.js';

const SANDBOX = { 'codexec.managed': 'true', 'codexec.instance': 'abc' };

function policy(name: string, spec: NetworkPolicyView['spec']): NetworkPolicyView {
  return { metadata: { name }, spec };
}

describe('selects', () => {
  it('an empty selector selects every pod', () => {
    expect(selects({}, SANDBOX)).toBe(true);
    expect(selects(undefined, {})).toBe(true);
  });

  it('matchLabels must all match', () => {
    expect(selects({ matchLabels: { 'codexec.managed': 'true' } }, SANDBOX)).toBe(true);
    expect(selects({ matchLabels: { 'codexec.managed': 'true', app: 'web' } }, SANDBOX)).toBe(false);
    expect(selects({ matchLabels: { 'codexec.managed': 'false' } }, SANDBOX)).toBe(false);
  });

  it.each([
    [{ key: 'codexec.instance', operator: 'In', values: ['abc', 'x'] }, true],
    [{ key: 'codexec.instance', operator: 'In', values: ['x'] }, false],
    [{ key: 'app', operator: 'In', values: ['x'] }, false],
    [{ key: 'codexec.instance', operator: 'NotIn', values: ['abc'] }, false],
    [{ key: 'app', operator: 'NotIn', values: ['x'] }, true],
    [{ key: 'codexec.managed', operator: 'Exists' }, true],
    [{ key: 'app', operator: 'Exists' }, false],
    [{ key: 'app', operator: 'DoesNotExist' }, true],
    [{ key: 'codexec.managed', operator: 'DoesNotExist' }, false],
    [{ key: 'codexec.managed', operator: 'Gt', values: ['1'] }, false],
  ])('matchExpressions %j → %s', (expression, expected) => {
    expect(selects({ matchExpressions: [expression] }, SANDBOX)).toBe(expected);
  });
});

describe('sandboxIsolation', () => {
  it('the policy the adapter creates cuts sandbox pods off both ways', () => {
    const isolation = sandboxIsolation([sandboxNetworkPolicy()], SANDBOX);
    expect(isolation).toEqual({
      ingress: { state: 'cut', by: ['codexec-sandbox-deny-all'] },
      egress: { state: 'cut', by: ['codexec-sandbox-deny-all'] },
      isolated: true,
    });
  });

  it('no policy leaves both directions open', () => {
    const isolation = sandboxIsolation([], SANDBOX);
    expect(isolation.isolated).toBe(false);
    expect(describeIsolation(isolation)).toBe(
      'ingress open (no policy isolates sandbox pods), egress open (no policy isolates sandbox pods)',
    );
  });

  it('a policy selecting other pods does not count', () => {
    const other = policy('web-only', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    expect(sandboxIsolation([other], SANDBOX).isolated).toBe(false);
  });

  it('without policyTypes a policy isolates ingress only, unless it has egress rules', () => {
    const ingressOnly = policy('deny-in', { podSelector: {} });
    expect(sandboxIsolation([ingressOnly], SANDBOX)).toMatchObject({
      ingress: { state: 'cut' },
      egress: { state: 'open' },
      isolated: false,
    });
    const withEgress = policy('dns', {
      podSelector: {},
      egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
    });
    expect(sandboxIsolation([withEgress], SANDBOX)).toMatchObject({
      ingress: { state: 'cut' },
      egress: { state: 'allowed', by: ['dns'] },
    });
  });

  it('policies add up: one allowing DNS egress beside the deny-all lets traffic out', () => {
    const dns = policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] }],
    });
    const isolation = sandboxIsolation([sandboxNetworkPolicy(), dns], SANDBOX);
    expect(isolation.isolated).toBe(false);
    expect(isolation.egress).toEqual({ state: 'allowed', by: ['allow-dns'] });
    expect(describeIsolation(isolation)).toBe(
      'ingress cut off (codexec-sandbox-deny-all), egress allowed by policy allow-dns',
    );
  });

  it('an empty rule allows everything, and counts as allowing', () => {
    const all = policy('allow-all-in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });
    expect(sandboxIsolation([all], SANDBOX).ingress).toEqual({ state: 'allowed', by: ['allow-all-in'] });
  });

  it('a namespace-wide deny-all of both directions isolates sandbox pods too', () => {
    const denyAll = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const isolation = sandboxIsolation([denyAll, sandboxNetworkPolicy()], SANDBOX);
    expect(isolation.isolated).toBe(true);
    expect(isolatingPolicies(isolation)).toEqual(['default-deny', 'codexec-sandbox-deny-all']);
  });
});
