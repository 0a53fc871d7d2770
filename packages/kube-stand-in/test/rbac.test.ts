import { PassThrough } from 'node:stream';
import {
  Attach,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  type V1Pod,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Grant, type KubeStandIn, startKubeStandIn } from '../src/index.js';
import { apiFailure } from './api-errors.js';
import { hardenedPod } from './pods.js';

// None of these tests starts a container: every pod request here is refused, or asks about a pod that is not there.
const NAMESPACE = 'code-exec';
const USER = `system:serviceaccount:${NAMESPACE}:code-exec-bridge`;

// The Role of deploy/kubernetes/role.yaml, as grants.
const BRIDGE_ROLE: Grant[] = [
  { resource: 'pods', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { resource: 'pods/attach', verbs: ['create', 'get'] },
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['get', 'list', 'create', 'patch'] },
];

let standIn: KubeStandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(grants: Grant[] | undefined) {
  standIn = await startKubeStandIn({ namespace: NAMESPACE, grants });
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(standIn.kubeconfig));
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    authorization: kc.makeApiClient(AuthorizationV1Api),
  };
}

/** The status code and Status body of a WebSocket attach the server refuses before upgrading. */
function refusedAttach(name: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const url =
    `${standIn!.url.replace(/^http/, 'ws')}/api/v1/namespaces/${NAMESPACE}/pods/${name}/attach` +
    '?container=sandbox&stdin=true&stdout=true&stderr=true&tty=false';
  const socket = new WebSocket(url, ['v5.channel.k8s.io'], {
    headers: { Authorization: `Bearer ${standIn!.token}` },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => reject(new Error('the attach was upgraded')));
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ code: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    socket.once('error', () => {});
  });
}

describe('RBAC grants, driven by the official client', () => {
  it('refuses a pod create the grants do not allow with 403, worded as the API server words it', async () => {
    const { core } = await start([{ resource: 'pods', verbs: ['get', 'list'] }]);
    const refused = await apiFailure(
      core.createNamespacedPod({ namespace: NAMESPACE, body: hardenedPod('p1', ['true']) as V1Pod }),
    );
    const message = `pods is forbidden: User "${USER}" cannot create resource "pods" in API group "" in the namespace "${NAMESPACE}"`;
    expect(refused.code).toBe(403);
    expect(refused.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    // What the client surfaces to whoever catches its error.
    expect(refused.message).toContain('HTTP-Code: 403');
    expect(refused.message).toMatch(
      /pods is forbidden: User .*system:serviceaccount:code-exec:code-exec-bridge.* cannot create resource .*pods.* in API group/,
    );
    expect(standIn!.pods()).toEqual([]);
    // What is granted still works.
    expect((await core.listNamespacedPod({ namespace: NAMESPACE })).items).toEqual([]);
  });

  it('names the pod of a refused get and delete, and refuses the other verbs one by one', async () => {
    const { core } = await start([{ resource: 'pods', verbs: ['create'] }]);
    const get = await apiFailure(core.readNamespacedPod({ namespace: NAMESPACE, name: 'p1' }));
    expect(get.code).toBe(403);
    expect(get.body.message).toBe(
      `pods "p1" is forbidden: User "${USER}" cannot get resource "pods" in API group "" in the namespace "${NAMESPACE}"`,
    );
    expect(get.body.details).toEqual({ name: 'p1', kind: 'pods' });
    const remove = await apiFailure(core.deleteNamespacedPod({ namespace: NAMESPACE, name: 'p1' }));
    expect(remove.body.message).toMatch(/^pods "p1" is forbidden: .* cannot delete resource "pods" /);
    const list = await apiFailure(core.listNamespacedPod({ namespace: NAMESPACE }));
    expect(list.body.message).toMatch(/cannot list resource "pods" /);
    const watch = await apiFailure(core.listNamespacedPod({ namespace: NAMESPACE, watch: true }));
    expect(watch.body.message).toMatch(/cannot watch resource "pods" /);
  });

  it('refuses a resource no grant names before looking for it, and answers 404 for a granted one', async () => {
    const { core } = await start([{ resource: 'pods', verbs: ['get'] }]);
    const secrets = await apiFailure(core.listNamespacedSecret({ namespace: NAMESPACE }));
    expect(secrets.code).toBe(403);
    expect(secrets.body.message).toMatch(/cannot list resource "secrets" in API group ""/);
    expect((await apiFailure(core.readNamespacedPod({ namespace: NAMESPACE, name: 'gone' }))).code).toBe(404);
    // Other namespaces keep their own refusal, grants or not.
    const other = await apiFailure(core.readNamespacedPod({ namespace: 'kube-system', name: 'x' }));
    expect(other.code).toBe(403);
    expect(other.body).toMatchObject({
      reason: 'Forbidden',
      message: 'pods is forbidden: this token may not use namespace "kube-system"',
    });
  });

  it('refuses an attach without get on pods/attach, and without create on it too', async () => {
    const { kc } = await start([
      { resource: 'pods', verbs: ['*'] },
      { resource: 'pods/attach', verbs: ['create'] },
    ]);
    const noGet = await refusedAttach('p1');
    expect(noGet.code).toBe(403);
    expect(noGet.body).toMatchObject({
      reason: 'Forbidden',
      message: `pods "p1" is forbidden: User "${USER}" cannot get resource "pods/attach" in API group "" in the namespace "${NAMESPACE}"`,
      details: { name: 'p1', kind: 'pods' },
    });
    // The official client's attach fails with the status code.
    const attach = new Attach(kc).attach(
      NAMESPACE,
      'p1',
      'sandbox',
      new PassThrough(),
      new PassThrough(),
      null,
      false,
    );
    await expect(attach).rejects.toThrow(/403/);
    await standIn!.close();

    await start([
      { resource: 'pods', verbs: ['*'] },
      { resource: 'pods/attach', verbs: ['get'] },
    ]);
    const noCreate = await refusedAttach('p1');
    expect(noCreate.code).toBe(403);
    expect(noCreate.body.message).toMatch(
      /^pods "p1" is forbidden: .* cannot create resource "pods\/attach" /,
    );
    await standIn!.close();

    // Both granted: past authorisation, to a pod that is not there.
    await start(BRIDGE_ROLE);
    expect(await refusedAttach('p1')).toMatchObject({ code: 404, body: { reason: 'NotFound' } });
  });

  it('answers SelfSubjectAccessReviews from the grants', async () => {
    const { authorization } = await start(BRIDGE_ROLE);
    async function allowed(attributes: V1ResourceAttributes) {
      const review = await authorization.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace: NAMESPACE, ...attributes } },
        },
      });
      expect(review.spec.resourceAttributes).toMatchObject(attributes);
      return review.status;
    }
    const create = await allowed({ verb: 'create', resource: 'pods' });
    expect(create).toMatchObject({ allowed: true });
    expect(create?.reason).toMatch(
      /^RBAC: allowed by RoleBinding .* to ServiceAccount "code-exec-bridge\/code-exec"$/,
    );
    expect(
      await allowed({ verb: 'create', resource: 'pods', subresource: 'attach', name: 'p1' }),
    ).toMatchObject({
      allowed: true,
    });
    expect(
      await allowed({ verb: 'get', group: 'networking.k8s.io', resource: 'networkpolicies' }),
    ).toMatchObject({
      allowed: true,
    });
    expect(
      await allowed({ verb: 'delete', group: 'networking.k8s.io', resource: 'networkpolicies' }),
    ).toEqual({
      allowed: false,
    });
    expect(await allowed({ verb: 'create', resource: 'pods', subresource: 'exec' })).toEqual({
      allowed: false,
    });
    expect(await allowed({ verb: 'get', resource: 'secrets' })).toEqual({ allowed: false });
    expect(await allowed({ verb: 'list', resource: 'pods', namespace: 'kube-system' })).toEqual({
      allowed: false,
    });
  });

  it('answers every review allowed in the namespace without grants, and one with no attributes with 422', async () => {
    const { authorization } = await start(undefined);
    const review = await authorization.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { namespace: NAMESPACE, verb: 'delete', resource: 'secrets' } } },
    });
    expect(review.status?.allowed).toBe(true);
    const invalid = await apiFailure(authorization.createSelfSubjectAccessReview({ body: { spec: {} } }));
    expect(invalid.code).toBe(422);
    expect(invalid.body).toMatchObject({ reason: 'Invalid' });
    expect(String(invalid.body.message)).toMatch(
      /exactly one of nonResourceAttributes or resourceAttributes/,
    );
  });

  it('answers a review under grants that allow nothing: the review itself is always allowed', async () => {
    const { authorization } = await start([]);
    const review = await authorization.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { namespace: NAMESPACE, verb: 'list', resource: 'pods' } } },
    });
    expect(review.status).toEqual({ allowed: false });
  });
});
