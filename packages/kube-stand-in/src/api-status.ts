/** The `Status` objects the API server answers errors with (meta/v1 Status). Pure. */

import { type AccessAttributes, forbiddenSentence } from './rbac.js';

export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message: string; field?: string }[];
  };
  code: number;
}

/** A failure Status; `details` names the object when there is one, as the API server does. */
export function failure(
  code: number,
  reason: string,
  message: string,
  details?: ApiStatus['details'],
): ApiStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export const unauthorized = (): ApiStatus => failure(401, 'Unauthorized', 'Unauthorized');

/** A resource of an API group, as the API server names it in messages: `pods`, `networkpolicies.networking.k8s.io`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export const PODS: GroupResource = { group: '', resource: 'pods' };
export const NETWORK_POLICIES: GroupResource = { group: 'networking.k8s.io', resource: 'networkpolicies' };

export const qualifiedResource = ({ group, resource }: GroupResource): string =>
  group === '' ? resource : `${resource}.${group}`;

/** Status `details` as the API server fills them: `kind` is the resource; empty name and group are left out. */
function detailsOf(what: GroupResource, name = ''): NonNullable<ApiStatus['details']> {
  return {
    ...(name === '' ? {} : { name }),
    ...(what.group === '' ? {} : { group: what.group }),
    kind: what.resource,
  };
}

/** The stand-in's refusal of another namespace than its own (its token has no RoleBinding there). */
export const forbidden = (namespace: string, what: GroupResource = PODS): ApiStatus =>
  failure(
    403,
    'Forbidden',
    `${qualifiedResource(what)} is forbidden: this token may not use namespace "${namespace}"`,
    detailsOf(what),
  );

/**
 * RBAC's refusal, worded as the API server words it (NewForbidden around forbiddenMessage):
 * `pods is forbidden: User "…" cannot create resource "pods" in API group "" in the namespace "ns"`, with the name
 * after the resource when the request has one (`pods "p1" is forbidden: …`).
 */
export function rbacForbidden(user: string, attributes: AccessAttributes): ApiStatus {
  const what = { group: attributes.group ?? '', resource: attributes.resource };
  const name = attributes.name ?? '';
  const subject = name === '' ? qualifiedResource(what) : `${qualifiedResource(what)} "${name}"`;
  return failure(
    403,
    'Forbidden',
    `${subject} is forbidden: ${forbiddenSentence(user, attributes)}`,
    detailsOf(what, name),
  );
}

export const notFound = (name: string, what: GroupResource = PODS): ApiStatus =>
  failure(404, 'NotFound', `${qualifiedResource(what)} "${name}" not found`, detailsOf(what, name));

export const alreadyExists = (name: string, what: GroupResource = PODS): ApiStatus =>
  failure(409, 'AlreadyExists', `${qualifiedResource(what)} "${name}" already exists`, detailsOf(what, name));

/** A kind of an API group, as 422 messages name it: `Pod`, `NetworkPolicy.networking.k8s.io`. */
export interface GroupKind {
  group: string;
  kind: string;
}

export const invalid = (
  name: string,
  field: string,
  message: string,
  what: GroupKind = { group: '', kind: 'Pod' },
): ApiStatus =>
  failure(
    422,
    'Invalid',
    `${what.group === '' ? what.kind : `${what.kind}.${what.group}`} "${name}" is invalid: ${message}`,
    {
      name,
      ...(what.group === '' ? {} : { group: what.group }),
      kind: what.kind,
      causes: [{ reason: 'FieldValueInvalid', message, field }],
    },
  );

export const badRequest = (message: string): ApiStatus => failure(400, 'BadRequest', message);

/**
 * What an attach sends on channel 3 when the container ends: the exit code in a cause, as exec reports it (the
 * adapter's contract asks for it). A real kubelet's attach ends with `Success` whatever the exit code (its
 * ServeAttach writes a failure only when attaching itself failed), so clients read the exit code from the pod.
 */
export function exitStatus(exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}
