import { type IPod, Pod } from 'kubernetes-models/v1';
import { validateObject } from './object-validation.js';

/**
 * The body of a create checked against the official v1 Pod schema.
 * @throws {InvalidObjectError} naming the first field that fails, with every failure in the message.
 */
export function validatePod(body: unknown): IPod {
  return validateObject(body, { apiVersion: 'v1', kind: 'Pod', model: Pod }) as unknown as IPod;
}
