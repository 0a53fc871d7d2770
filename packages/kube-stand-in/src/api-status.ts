/** The `Status` objects the API server answers errors with (meta/v1 Status). Pure. */

export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message: string; field?: string }[] };
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

export const forbidden = (namespace: string): ApiStatus =>
  failure(403, 'Forbidden', `pods is forbidden: this token may not use namespace "${namespace}"`, {
    kind: 'pods',
  });

export const notFound = (name: string): ApiStatus =>
  failure(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });

export const alreadyExists = (name: string): ApiStatus =>
  failure(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' });

export const invalid = (name: string, field: string, message: string): ApiStatus =>
  failure(422, 'Invalid', `Pod "${name}" is invalid: ${message}`, {
    name,
    kind: 'Pod',
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });

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
