import { InvalidObjectError } from './errors.js';

/** A model class of `kubernetes-models`: built from the object, `validate()` throws its schema's failures. */
export interface SchemaModel {
  new (data: never): { validate(): void };
}

/**
 * The body of a create checked for its kind and against the official schema of `model`. Pure.
 * @throws {InvalidObjectError} naming the first field that fails, with every failure in the message.
 */
export function validateObject(
  body: unknown,
  expected: { apiVersion: string; kind: string; model: SchemaModel },
): Record<string, unknown> {
  const { apiVersion, kind } = expected;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidObjectError('body', `a ${apiVersion} ${kind} object`);
  }
  // The API server takes the kind a body leaves out from the endpoint it was sent to.
  const data = { ...(body as Record<string, unknown>) };
  data.apiVersion ??= apiVersion;
  data.kind ??= kind;
  if (data.kind !== kind || data.apiVersion !== apiVersion) {
    throw new InvalidObjectError(
      'kind',
      `expected kind "${kind}" of apiVersion "${apiVersion}", got ${data.kind} ${data.apiVersion}`,
    );
  }
  try {
    new expected.model(data as never).validate();
  } catch (error) {
    const errors = (error as { errors?: { instancePath?: string }[] }).errors ?? [];
    throw new InvalidObjectError(
      fieldPath(errors[0]?.instancePath ?? ''),
      error instanceof Error ? error.message : String(error),
    );
  }
  return data;
}

/** A JSON pointer of the schema validator as the API names fields: `/spec/containers/0/image` → `spec.containers[0].image`. */
export function fieldPath(pointer: string): string {
  return (
    pointer
      .split('/')
      .filter(Boolean)
      .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : `${index === 0 ? '' : '.'}${part}`))
      .join('') || 'body'
  );
}

// The API server's rule for most object names (a DNS subdomain, RFC 1123), and its wording.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `metadata.name` of a create, checked as the API server checks the names of most kinds. Pure.
 * @throws {InvalidObjectError} for a missing name (the stand-in takes no `generateName`) or one that is no DNS subdomain.
 */
export function objectName(data: Record<string, unknown>): string {
  const name = (data.metadata as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name === '') {
    throw new InvalidObjectError(
      'metadata.name',
      'Required value: name is required (the stand-in takes no generateName)',
    );
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new InvalidObjectError(
      'metadata.name',
      `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, ` +
        `'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for ` +
        `validation is '${DNS_SUBDOMAIN.source.slice(1, -1)}')`,
    );
  }
  return name;
}
