import { describe, expect, it } from 'vitest';
import { reviewSelfAccess } from './access-review.js';
import { InvalidObjectError } from './errors.js';
import type { Grant } from './rbac.js';

const grants: Grant[] = [{ resource: 'pods', verbs: ['get'] }];

const review = (spec: Record<string, unknown>) => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectAccessReview',
  spec,
});

describe('reviewSelfAccess', () => {
  it('answers with the review as sent and its status', () => {
    const body = review({
      resourceAttributes: { namespace: 'ns', verb: 'get', resource: 'pods', name: 'p1' },
    });
    const answer = reviewSelfAccess(body, { grants, namespace: 'ns' });
    expect(answer).toMatchObject({ ...body, metadata: {}, status: { allowed: true } });
    expect(answer.status.reason).toMatch(/^RBAC: allowed by RoleBinding/);
    const denied = review({ resourceAttributes: { namespace: 'ns', verb: 'delete', resource: 'pods' } });
    expect(reviewSelfAccess(denied, { grants, namespace: 'ns' }).status).toEqual({ allowed: false });
  });

  it('allows gets of the public paths only', () => {
    const path = (verb: string, p: string) =>
      reviewSelfAccess(review({ nonResourceAttributes: { verb, path: p } }), { grants, namespace: 'ns' })
        .status;
    expect(path('get', '/version')).toEqual({ allowed: true });
    expect(path('get', '/apis/networking.k8s.io/v1')).toEqual({ allowed: true });
    expect(path('post', '/version')).toEqual({ allowed: false });
    expect(path('get', '/metrics')).toEqual({ allowed: false });
  });

  it('refuses a spec without exactly one kind of attributes, and another kind of object', () => {
    expect(() => reviewSelfAccess(review({}), { grants, namespace: 'ns' })).toThrow(
      /spec\.resourceAttributes: .*exactly one of nonResourceAttributes or resourceAttributes/,
    );
    expect(() =>
      reviewSelfAccess(
        review({ resourceAttributes: { verb: 'get' }, nonResourceAttributes: { verb: 'get', path: '/' } }),
        { grants, namespace: 'ns' },
      ),
    ).toThrow(InvalidObjectError);
    expect(() =>
      reviewSelfAccess({ ...review({}), kind: 'SubjectAccessReview' }, { grants, namespace: 'ns' }),
    ).toThrow(/expected kind "SelfSubjectAccessReview"/);
  });
});
