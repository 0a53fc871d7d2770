import { describe, expect, it } from 'vitest';
import { apiError, REQUIRED_RBAC, readStatusBody } from './kube-errors.js';

const PLACE = { server: 'https://10.0.0.1:6443', namespace: 'code-exec' };

describe('apiError', () => {
  it.each([
    [{ action: 'get version' }, 'ENGINE_NOT_RESPONDING'],
    [{ action: 'get version', timedOutAfterMs: 10_000 }, 'ENGINE_NOT_RESPONDING'],
    [{ action: 'list pods', status: 401, reason: 'Unauthorized' }, 'COMMAND_FAILED'],
    [{ action: 'create pods', status: 403, reason: 'Forbidden' }, 'COMMAND_FAILED'],
    [
      {
        action: 'create pods',
        status: 422,
        reason: 'Invalid',
        message: 'spec.containers[0].image: Required',
      },
      'CONTAINER_START_FAILED',
    ],
    [
      { action: 'create pods', status: 403, message: 'pod rejected: RuntimeClass "gvisor" not found' },
      'OCI_RUNTIME_MISSING',
    ],
    [{ action: 'get pods', status: 500, message: 'etcdserver: request timed out' }, 'COMMAND_FAILED'],
    [{ action: 'create pods', status: 409, reason: 'AlreadyExists' }, 'CONTAINER_START_FAILED'],
  ] as const)('%j is %s, naming the server and the namespace', (failure, code) => {
    const error = apiError({ ...PLACE, ...failure });
    expect(error.code).toBe(code);
    expect(error.engine).toBe('kubernetes');
    expect(error.message).toContain(PLACE.server);
    expect(error.message).toContain(PLACE.namespace);
  });

  it('a 403 says which RBAC verbs are needed and in which namespace', () => {
    const error = apiError({
      ...PLACE,
      action: 'create pods',
      status: 403,
      message: 'cannot create resource "pods"',
    });
    expect(error.message).toContain(REQUIRED_RBAC);
    expect(error.message).toContain('create pods');
    expect(error.message).toContain('cannot create resource "pods"');
  });

  it('a timeout says how long it waited', () => {
    expect(apiError({ ...PLACE, action: 'get version', timedOutAfterMs: 2500 }).message).toContain('2.5 s');
  });
});

describe('readStatusBody', () => {
  it('reads a Status object, its JSON, or plain text', () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      message: 'pods "x" not found',
      reason: 'NotFound',
      code: 404,
    };
    expect(readStatusBody(status)).toEqual({ message: 'pods "x" not found', reason: 'NotFound' });
    expect(readStatusBody(JSON.stringify(status))).toEqual({
      message: 'pods "x" not found',
      reason: 'NotFound',
    });
    expect(readStatusBody('upstream connect error')).toEqual({ message: 'upstream connect error' });
    expect(readStatusBody(undefined)).toEqual({});
  });
});
