import { describe, expect, it } from 'vitest';
import { requestInfo } from './request-info.js';

const at = (path: string) => new URL(path, 'http://stand-in');

describe('requestInfo', () => {
  it.each([
    ['POST', '/api/v1/namespaces/ns/pods', { verb: 'create', resource: 'pods', name: '', namespace: 'ns' }],
    ['GET', '/api/v1/namespaces/ns/pods', { verb: 'list', resource: 'pods', name: '' }],
    ['GET', '/api/v1/namespaces/ns/pods?watch=true', { verb: 'watch', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/ns/pods?watch=1&labelSelector=a%3Db', { verb: 'watch' }],
    ['GET', '/api/v1/namespaces/ns/pods/p1', { verb: 'get', name: 'p1', subresource: '' }],
    ['DELETE', '/api/v1/namespaces/ns/pods/p1', { verb: 'delete', name: 'p1' }],
    ['DELETE', '/api/v1/namespaces/ns/pods', { verb: 'deletecollection', name: '' }],
    ['PATCH', '/api/v1/namespaces/ns/pods/p1', { verb: 'patch' }],
    ['PUT', '/api/v1/namespaces/ns/pods/p1', { verb: 'update' }],
    // A WebSocket attach is a GET, so a get of the subresource; SPDY's is a POST, so a create.
    [
      'GET',
      '/api/v1/namespaces/ns/pods/p1/attach?stdin=true',
      { verb: 'get', name: 'p1', subresource: 'attach' },
    ],
    ['POST', '/api/v1/namespaces/ns/pods/p1/attach', { verb: 'create', subresource: 'attach' }],
    [
      'GET',
      '/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies/deny',
      { verb: 'get', group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', name: 'deny' },
    ],
    [
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', namespace: '' },
    ],
    ['GET', '/api/v1/namespaces/ns', { resource: 'namespaces', name: 'ns', namespace: 'ns' }],
    ['GET', '/api/v1/pods', { verb: 'list', resource: 'pods', namespace: '' }],
  ])('%s %s', (method, path, expected) => {
    expect(requestInfo(method, at(path))).toMatchObject({ kind: 'resource', group: '', ...expected });
  });

  it('reads paths outside the API groups as non-resource requests', () => {
    expect(requestInfo('GET', at('/version'))).toEqual({ kind: 'path', verb: 'get', path: '/version' });
    expect(requestInfo('GET', at('/apis/networking.k8s.io'))).toMatchObject({ kind: 'path' });
    expect(requestInfo('GET', at('/api'))).toMatchObject({ kind: 'path' });
  });
});
