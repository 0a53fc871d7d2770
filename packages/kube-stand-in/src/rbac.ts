/**
 * The stand-in's RBAC: the rules of the one Role its token is bound to, in its namespace, matched as the API
 * server's RBAC authorizer matches a Role's rules. Pure.
 */

/** One rule of the Role the token is bound to. */
export interface Grant {
  /** The API group: `''` (the default) for the core group, `'networking.k8s.io'`, or `'*'` for every group. */
  group?: string | undefined;
  /** `'pods'`, `'pods/attach'`, `'networkpolicies'`, `'*'` (every resource), or `'*'` + `'/attach'` (that subresource of any). */
  resource: string;
  /** `'get'`, `'list'`, `'watch'`, `'create'`, `'delete'`, …, or `'*'` for every verb. */
  verbs: string[];
}

/** What a request (or an access review) asks, in RBAC's terms. */
export interface AccessAttributes {
  verb: string;
  group?: string | undefined;
  resource: string;
  subresource?: string | undefined;
  name?: string | undefined;
  /** `''` or absent for a cluster-scoped request, or all namespaces. */
  namespace?: string | undefined;
}

/** The service account the stand-in's token stands for, as `kubectl auth whoami` would name it. */
export const SERVICE_ACCOUNT = 'code-exec-bridge';

export const serviceAccountUser = (namespace: string): string =>
  `system:serviceaccount:${namespace}:${SERVICE_ACCOUNT}`;

// What every authenticated user may do in a cluster (the ClusterRole system:basic-user): review its own access.
const BASIC_USER: Grant[] = [
  { group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', verbs: ['create'] },
  { group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews', verbs: ['create'] },
];

/** `pods` or `pods/attach`: the resource as RBAC rules and the Forbidden message name it. */
export function combinedResource(attributes: AccessAttributes): string {
  return attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
}

/** Whether one rule covers the attributes: `pods` does not cover `pods/attach`, as in RBAC. */
export function grantCovers(grant: Grant, attributes: AccessAttributes): boolean {
  const group = grant.group ?? '';
  if (group !== '*' && group !== (attributes.group ?? '')) return false;
  if (!grant.verbs.includes('*') && !grant.verbs.includes(attributes.verb)) return false;
  const resource = combinedResource(attributes);
  if (grant.resource === '*' || grant.resource === resource) return true;
  return (
    attributes.subresource !== undefined &&
    attributes.subresource !== '' &&
    grant.resource === `*/${attributes.subresource}`
  );
}

export interface AccessDecision {
  allowed: boolean;
  /** Worded as the RBAC authorizer words it, naming the binding that allowed the request; none for a denial. */
  reason?: string;
}

/**
 * Whether the token may do what the attributes say. Nothing in another namespace. `grants` undefined: everything
 * else, as before RBAC was modelled. Otherwise the grants are a namespaced Role's: they cover nothing at the cluster
 * scope (`namespace` empty), where only the basic user's self reviews are allowed.
 *
 * The stand-in has no Role or RoleBinding objects: the reason names them after the service account, as
 * deploy/kubernetes does.
 */
export function decideAccess(options: {
  grants: readonly Grant[] | undefined;
  namespace: string;
  attributes: AccessAttributes;
}): AccessDecision {
  const { grants, namespace, attributes } = options;
  if (BASIC_USER.some((grant) => grantCovers(grant, attributes))) {
    return {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group ' +
        '"system:authenticated"',
    };
  }
  const asked = attributes.namespace ?? '';
  if (asked !== '' && asked !== namespace) return { allowed: false };
  if (grants === undefined) return { allowed: true };
  if (asked === namespace && grants.some((grant) => grantCovers(grant, attributes))) {
    return {
      allowed: true,
      reason:
        `RBAC: allowed by RoleBinding "${SERVICE_ACCOUNT}/${namespace}" of Role "${SERVICE_ACCOUNT}" to ` +
        `ServiceAccount "${SERVICE_ACCOUNT}/${namespace}"`,
    };
  }
  return { allowed: false };
}

/**
 * The API server's sentence for a request RBAC did not allow (its `forbiddenMessage`):
 * `User "system:serviceaccount:ns:sa" cannot create resource "pods" in API group "" in the namespace "ns"`.
 */
export function forbiddenSentence(user: string, attributes: AccessAttributes): string {
  const what = `User "${user}" cannot ${attributes.verb} resource "${combinedResource(attributes)}" in API group "${attributes.group ?? ''}"`;
  return attributes.namespace
    ? `${what} in the namespace "${attributes.namespace}"`
    : `${what} at the cluster scope`;
}
