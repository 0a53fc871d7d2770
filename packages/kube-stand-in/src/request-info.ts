/**
 * What a request asks, in the terms RBAC authorises: verb, API group, resource, subresource, name, namespace. Read
 * from the method and the URL as the API server's RequestInfoFactory reads them, before any routing. Pure.
 */

export interface ResourceRequest {
  kind: 'resource';
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`. */
  verb: string;
  /** `''` for the core group (`/api/v1`). */
  group: string;
  version: string;
  resource: string;
  /** `''` for none; `attach` for `pods/{name}/attach`. */
  subresource: string;
  /** `''` for a list, a create or a collection. */
  name: string;
  /** `''` for a cluster-scoped request. */
  namespace: string;
}

/** A request outside the API groups (`/version`, `/healthz`). */
export interface PathRequest {
  kind: 'path';
  verb: string;
  path: string;
}

const VERBS: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function requestInfo(method: string, url: URL): ResourceRequest | PathRequest {
  const methodVerb = VERBS[method.toUpperCase()] ?? method.toLowerCase();
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const prefix = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : undefined;
  if (prefix === undefined || parts.length <= prefix) {
    return { kind: 'path', verb: methodVerb, path: url.pathname };
  }
  const group = prefix === 2 ? '' : parts[1]!;
  const version = parts[prefix - 1]!;
  let rest = parts.slice(prefix);
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    // The namespace object itself: resource `namespaces`, named, in its own namespace.
    namespace = rest[1]!;
  }
  const resource = rest[0]!;
  const name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  let verb = methodVerb;
  // Without a name, a get is a list, or a watch when it asks for one; a delete is a deletecollection.
  if (name === '' && verb === 'get')
    verb = /^(1|t|true)$/i.test(url.searchParams.get('watch') ?? '') ? 'watch' : 'list';
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  return { kind: 'resource', verb, group, version, resource, subresource, name, namespace };
}
