import { type IPod, Pod } from 'kubernetes-models/v1';
import { InvalidPodError } from './errors.js';

/**
 * The body of a create checked against the official v1 Pod schema.
 * @throws {InvalidPodError} naming the first field that fails, with every failure in the message.
 */
export function validatePod(body: unknown): IPod {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidPodError('body', 'a v1 Pod object');
  }
  const data = body as Record<string, unknown>;
  if (data.kind !== 'Pod' || data.apiVersion !== 'v1') {
    throw new InvalidPodError(
      'kind',
      `expected kind "Pod" of apiVersion "v1", got ${data.kind} ${data.apiVersion}`,
    );
  }
  try {
    new Pod(data as unknown as IPod).validate();
  } catch (error) {
    const errors = (error as { errors?: { instancePath?: string }[] }).errors ?? [];
    const path = errors[0]?.instancePath ?? '';
    const field =
      path
        .split('/')
        .filter(Boolean)
        .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : `${index === 0 ? '' : '.'}${part}`))
        .join('') || 'body';
    throw new InvalidPodError(field, error instanceof Error ? error.message : String(error));
  }
  return data as unknown as IPod;
}
