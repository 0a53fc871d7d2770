import { Pod } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { InvalidObjectError } from './errors.js';
import { fieldPath, objectName, validateObject } from './object-validation.js';

describe('validateObject', () => {
  const expected = { apiVersion: 'v1', kind: 'Pod', model: Pod };

  it('takes the kind a body leaves out from the endpoint, as the API server does', () => {
    expect(validateObject({ metadata: { name: 'p' } }, expected)).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
    });
  });

  it('refuses another kind, and a body that is no object', () => {
    expect(() => validateObject({ apiVersion: 'v1', kind: 'Service' }, expected)).toThrow(
      /expected kind "Pod"/,
    );
    expect(() => validateObject([], expected)).toThrow(InvalidObjectError);
  });
});

describe('fieldPath', () => {
  it.each([
    ['/spec/containers/0/image', 'spec.containers[0].image'],
    ['/spec/policyTypes/0', 'spec.policyTypes[0]'],
    ['', 'body'],
  ])('%s → %s', (pointer, field) => {
    expect(fieldPath(pointer)).toBe(field);
  });
});

describe('objectName', () => {
  it('takes a DNS subdomain and refuses the rest, naming metadata.name', () => {
    expect(objectName({ metadata: { name: 'deny-all.v1' } })).toBe('deny-all.v1');
    for (const metadata of [{}, { name: '' }, { name: 'Deny' }, { name: '-a' }, { name: 'a'.repeat(254) }]) {
      expect(() => objectName({ metadata })).toThrow(/^metadata\.name: /);
    }
  });
});
