import { describe, expect, it } from 'vitest';
import { rbacForbidden } from './api-status.js';
import { type AccessAttributes, decideAccess, type Grant, grantCovers, serviceAccountUser } from './rbac.js';

const BRIDGE: Grant[] = [
  { resource: 'pods', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { resource: 'pods/attach', verbs: ['create', 'get'] },
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['get', 'list', 'create'] },
];

const inNs = (attributes: Omit<AccessAttributes, 'namespace'>): AccessAttributes => ({
  namespace: 'code-exec',
  ...attributes,
});

describe('grantCovers', () => {
  it.each<[Grant, AccessAttributes, boolean]>([
    [{ resource: 'pods', verbs: ['get'] }, { verb: 'get', resource: 'pods' }, true],
    [{ resource: 'pods', verbs: ['get'] }, { verb: 'list', resource: 'pods' }, false],
    [{ resource: 'pods', verbs: ['*'] }, { verb: 'deletecollection', resource: 'pods' }, true],
    // A rule on pods says nothing about its subresources, nor the other way round.
    [{ resource: 'pods', verbs: ['*'] }, { verb: 'create', resource: 'pods', subresource: 'attach' }, false],
    [{ resource: 'pods/attach', verbs: ['create'] }, { verb: 'create', resource: 'pods' }, false],
    [
      { resource: 'pods/attach', verbs: ['create'] },
      { verb: 'create', resource: 'pods', subresource: 'attach' },
      true,
    ],
    [
      { resource: '*/attach', verbs: ['get'] },
      { verb: 'get', resource: 'pods', subresource: 'attach' },
      true,
    ],
    [{ resource: '*', verbs: ['get'] }, { verb: 'get', resource: 'pods', subresource: 'attach' }, true],
    // The group defaults to the core group, which is not networking.k8s.io.
    [
      { resource: 'networkpolicies', verbs: ['get'] },
      { verb: 'get', group: 'networking.k8s.io', resource: 'networkpolicies' },
      false,
    ],
    [
      { group: '*', resource: 'networkpolicies', verbs: ['get'] },
      { verb: 'get', group: 'networking.k8s.io', resource: 'networkpolicies' },
      true,
    ],
  ])('%j covers %j: %s', (grant, attributes, expected) => {
    expect(grantCovers(grant, attributes)).toBe(expected);
  });
});

describe('decideAccess', () => {
  const decide = (attributes: AccessAttributes, grants: Grant[] = BRIDGE) =>
    decideAccess({ grants, namespace: 'code-exec', attributes });
  const withoutGrants = (attributes: AccessAttributes) =>
    decideAccess({ grants: undefined, namespace: 'code-exec', attributes });

  it('allows what a grant covers in the namespace, naming the binding as RBAC does', () => {
    expect(decide(inNs({ verb: 'create', resource: 'pods' }))).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "code-exec-bridge/code-exec" of Role "code-exec-bridge" to ServiceAccount "code-exec-bridge/code-exec"',
    });
    expect(decide(inNs({ verb: 'get', resource: 'pods', subresource: 'attach', name: 'p1' })).allowed).toBe(
      true,
    );
  });

  it('denies, without a reason, what no grant covers, other namespaces, and the cluster scope', () => {
    expect(decide(inNs({ verb: 'patch', resource: 'pods' }))).toEqual({ allowed: false });
    expect(decide(inNs({ verb: 'create', resource: 'secrets' })).allowed).toBe(false);
    expect(decide({ namespace: 'kube-system', verb: 'get', resource: 'pods' }).allowed).toBe(false);
    expect(decide({ namespace: '', verb: 'list', resource: 'pods' }).allowed).toBe(false);
  });

  it('always allows a self review, as system:basic-user does', () => {
    const review = { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' };
    expect(decide(review, []).allowed).toBe(true);
    expect(decide(review, []).reason).toMatch(/ClusterRole "system:basic-user"/);
  });

  it('allows everything but other namespaces without grants', () => {
    expect(withoutGrants(inNs({ verb: 'deletecollection', resource: 'secrets' }))).toEqual({
      allowed: true,
    });
    expect(withoutGrants({ namespace: '', verb: 'list', resource: 'pods' }).allowed).toBe(true);
    expect(withoutGrants({ namespace: 'other', verb: 'list', resource: 'pods' }).allowed).toBe(false);
  });
});

describe('rbacForbidden', () => {
  const user = serviceAccountUser('code-exec');

  it('words a refusal as the API server does', () => {
    expect(rbacForbidden(user, inNs({ verb: 'create', resource: 'pods', name: '' }))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods is forbidden: User "system:serviceaccount:code-exec:code-exec-bridge" cannot create resource "pods" in API group "" in the namespace "code-exec"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });

  it('names the object, the subresource and the group when the request has them', () => {
    const attach = rbacForbidden(
      user,
      inNs({ verb: 'get', resource: 'pods', subresource: 'attach', name: 'p1' }),
    );
    expect(attach.message).toBe(
      'pods "p1" is forbidden: User "system:serviceaccount:code-exec:code-exec-bridge" cannot get resource "pods/attach" in API group "" in the namespace "code-exec"',
    );
    expect(attach.details).toEqual({ name: 'p1', kind: 'pods' });
    const policies = rbacForbidden(
      user,
      inNs({ verb: 'list', group: 'networking.k8s.io', resource: 'networkpolicies' }),
    );
    expect(policies.message).toBe(
      'networkpolicies.networking.k8s.io is forbidden: User "system:serviceaccount:code-exec:code-exec-bridge" cannot list resource "networkpolicies" in API group "networking.k8s.io" in the namespace "code-exec"',
    );
    expect(policies.details).toEqual({ group: 'networking.k8s.io', kind: 'networkpolicies' });
    expect(rbacForbidden(user, { verb: 'list', resource: 'nodes' }).message).toMatch(
      /cannot list resource "nodes" in API group "" at the cluster scope$/,
    );
  });
});
