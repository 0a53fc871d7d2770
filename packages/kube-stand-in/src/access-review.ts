import {
  type ISelfSubjectAccessReview,
  SelfSubjectAccessReview,
} from 'kubernetes-models/authorization.k8s.io/v1';
import { InvalidObjectError } from './errors.js';
import { validateObject } from './object-validation.js';
import { type AccessDecision, decideAccess, type Grant } from './rbac.js';

// The paths every authenticated user may get (the ClusterRoles system:discovery and system:public-info-viewer).
const PUBLIC_PATHS = /^\/(api|apis|openapi)(\/.*)?$|^\/(version|healthz|livez|readyz)\/?$/;

/**
 * Answers a SelfSubjectAccessReview as the API server does: the review as sent, with `status.allowed` (and the
 * authorizer's `reason` when it allowed) for the token's grants. Pure.
 * @throws {InvalidObjectError} for a body that is no SelfSubjectAccessReview, or whose spec has not exactly one of
 * `resourceAttributes` and `nonResourceAttributes`.
 */
export function reviewSelfAccess(
  body: unknown,
  options: { grants: readonly Grant[] | undefined; namespace: string },
): ISelfSubjectAccessReview & { status: AccessDecision } {
  const review = validateObject(body, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    model: SelfSubjectAccessReview,
  }) as unknown as ISelfSubjectAccessReview;
  const { resourceAttributes, nonResourceAttributes } = review.spec;
  if ((resourceAttributes === undefined) === (nonResourceAttributes === undefined)) {
    throw new InvalidObjectError(
      'spec.resourceAttributes',
      `Invalid value: ${resourceAttributes === undefined ? '"null"' : 'object'}: exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    );
  }
  let status: AccessDecision;
  if (resourceAttributes !== undefined) {
    status = decideAccess({
      ...options,
      attributes: {
        verb: resourceAttributes.verb ?? '',
        group: resourceAttributes.group ?? '',
        resource: resourceAttributes.resource ?? '',
        subresource: resourceAttributes.subresource ?? '',
        name: resourceAttributes.name ?? '',
        namespace: resourceAttributes.namespace ?? '',
      },
    });
  } else {
    const { verb, path } = nonResourceAttributes!;
    status = { allowed: verb === 'get' && PUBLIC_PATHS.test(path ?? '') };
  }
  return { ...review, metadata: review.metadata ?? {}, status };
}
