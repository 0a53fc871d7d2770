import { KubeConfig, NetworkingV1Api, type V1NetworkPolicy } from '@kubernetes/client-node';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { type Grant, InvalidObjectError, type KubeStandIn, startKubeStandIn } from '../src/index.js';
import { apiFailure } from './api-errors.js';

const NAMESPACE = 'code-exec';

// deploy/kubernetes/networkpolicy.yaml
const DENY_ALL: INetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'codexec-sandbox-deny-all', labels: { 'app.kubernetes.io/name': 'code-exec-bridge' } },
  spec: { podSelector: { matchLabels: { 'codexec.managed': 'true' } }, policyTypes: ['Ingress', 'Egress'] },
};

function policy(name: string, labels: Record<string, string> = {}): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, labels },
    spec: { podSelector: {}, policyTypes: ['Egress'] },
  };
}

let standIn: KubeStandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(options: { grants?: Grant[]; networkPolicies?: INetworkPolicy[] } = {}) {
  standIn = await startKubeStandIn({ namespace: NAMESPACE, ...options });
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(standIn.kubeconfig));
  return kc.makeApiClient(NetworkingV1Api);
}

describe('NetworkPolicies, driven by the official client', () => {
  it('creates, gets, lists by label selector and deletes', async () => {
    const api = await start();
    const created = await api.createNamespacedNetworkPolicy({
      namespace: NAMESPACE,
      body: policy('a', { t: 'x' }),
    });
    expect(created.metadata).toMatchObject({ name: 'a', namespace: NAMESPACE, labels: { t: 'x' } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec?.policyTypes).toEqual(['Egress']);
    await api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: policy('b', { t: 'y' }) });

    const read = await api.readNamespacedNetworkPolicy({ namespace: NAMESPACE, name: 'a' });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    const all = await api.listNamespacedNetworkPolicy({ namespace: NAMESPACE });
    expect(all.kind).toBe('NetworkPolicyList');
    expect(all.items.map((item) => item.metadata?.name)).toEqual(['a', 'b']);
    const some = await api.listNamespacedNetworkPolicy({ namespace: NAMESPACE, labelSelector: 't=y' });
    expect(some.items.map((item) => item.metadata?.name)).toEqual(['b']);
    const bad = await apiFailure(
      api.listNamespacedNetworkPolicy({ namespace: NAMESPACE, labelSelector: 't in (x)' }),
    );
    expect(bad.code).toBe(400);

    const deleted = await api.deleteNamespacedNetworkPolicy({ namespace: NAMESPACE, name: 'a' });
    expect(deleted).toMatchObject({
      status: 'Success',
      details: { name: 'a', group: 'networking.k8s.io', kind: 'networkpolicies', uid: created.metadata?.uid },
    });
    expect(standIn!.networkPolicies().map((item) => item.metadata?.name)).toEqual(['b']);
  });

  it('answers 404 for a missing policy, 409 for a taken name, 422 naming the field of an invalid one', async () => {
    const api = await start();
    const missing = await apiFailure(api.readNamespacedNetworkPolicy({ namespace: NAMESPACE, name: 'nope' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      reason: 'NotFound',
      message: 'networkpolicies.networking.k8s.io "nope" not found',
      details: { name: 'nope', group: 'networking.k8s.io', kind: 'networkpolicies' },
    });
    expect(
      (await apiFailure(api.deleteNamespacedNetworkPolicy({ namespace: NAMESPACE, name: 'nope' }))).code,
    ).toBe(404);

    await api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: policy('taken') });
    const taken = await apiFailure(
      api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: policy('taken') }),
    );
    expect(taken.code).toBe(409);
    expect(taken.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'networkpolicies.networking.k8s.io "taken" already exists',
    });

    const sideways = {
      ...policy('bad'),
      spec: { podSelector: {}, policyTypes: ['Sideways'] },
    } as V1NetworkPolicy;
    const invalid = await apiFailure(
      api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: sideways }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body).toMatchObject({
      reason: 'Invalid',
      details: {
        name: 'bad',
        group: 'networking.k8s.io',
        kind: 'NetworkPolicy',
        causes: [{ field: 'spec.policyTypes[0]' }],
      },
    });
    expect(String(invalid.body.message)).toMatch(
      /^NetworkPolicy\.networking\.k8s\.io "bad" is invalid: spec\.policyTypes\[0\]/,
    );
    const badName = await apiFailure(
      api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: policy('Bad_Name') }),
    );
    expect(badName.code).toBe(422);
    expect(badName.body).toMatchObject({ details: { causes: [{ field: 'metadata.name' }] } });
    const elsewhere = { ...policy('x'), metadata: { name: 'x', namespace: 'other' } };
    expect(
      (await apiFailure(api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: elsewhere }))).code,
    ).toBe(400);
    expect(standIn!.networkPolicies().map((item) => item.metadata?.name)).toEqual(['taken']);
  });

  it('starts with the seeded policies, and refuses an invalid seed', async () => {
    const api = await start({ networkPolicies: [DENY_ALL] });
    const seeded = await api.readNamespacedNetworkPolicy({
      namespace: NAMESPACE,
      name: 'codexec-sandbox-deny-all',
    });
    expect(seeded.metadata).toMatchObject({ namespace: NAMESPACE, labels: DENY_ALL.metadata?.labels });
    expect(seeded.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(seeded.spec).toEqual(DENY_ALL.spec);
    expect(standIn!.networkPolicies()).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'codexec-sandbox-deny-all' }) }),
    ]);
    // The handle hands out copies.
    standIn!.networkPolicies()[0]!.metadata!.name = 'changed';
    expect(standIn!.networkPolicies()[0]?.metadata?.name).toBe('codexec-sandbox-deny-all');

    const invalid = { ...DENY_ALL, spec: { policyTypes: ['Sideways'] } } as unknown as INetworkPolicy;
    await expect(startKubeStandIn({ networkPolicies: [DENY_ALL, invalid] })).rejects.toThrow(
      InvalidObjectError,
    );
    await expect(startKubeStandIn({ networkPolicies: [DENY_ALL, invalid] })).rejects.toThrow(
      /^networkPolicies\[1\]\.spec\.policyTypes\[0\]: /,
    );
    await expect(startKubeStandIn({ networkPolicies: [DENY_ALL, DENY_ALL] })).rejects.toThrow(
      /Duplicate value/,
    );
  });

  it('authorises each call against the grants of the networking.k8s.io group', async () => {
    const api = await start({
      grants: [{ group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['get', 'list'] }],
      networkPolicies: [DENY_ALL],
    });
    expect((await api.listNamespacedNetworkPolicy({ namespace: NAMESPACE })).items).toHaveLength(1);
    const create = await apiFailure(
      api.createNamespacedNetworkPolicy({ namespace: NAMESPACE, body: policy('a') }),
    );
    expect(create.code).toBe(403);
    expect(create.body).toMatchObject({
      reason: 'Forbidden',
      message:
        'networkpolicies.networking.k8s.io is forbidden: User "system:serviceaccount:code-exec:code-exec-bridge" ' +
        'cannot create resource "networkpolicies" in API group "networking.k8s.io" in the namespace "code-exec"',
      details: { group: 'networking.k8s.io', kind: 'networkpolicies' },
    });
    const remove = await apiFailure(
      api.deleteNamespacedNetworkPolicy({ namespace: NAMESPACE, name: 'codexec-sandbox-deny-all' }),
    );
    expect(remove.body.message).toMatch(
      /^networkpolicies\.networking\.k8s\.io "codexec-sandbox-deny-all" is forbidden: .* cannot delete /,
    );
    expect(standIn!.networkPolicies()).toHaveLength(1);
  });
});
