/**
 * An object the stand-in refuses on create (a pod, a NetworkPolicy): `field` is the API path of the value
 * (`spec.containers[0].image`); the server answers 422 `Invalid` naming it.
 */
export class InvalidObjectError extends Error {
  readonly code = 'INVALID_OBJECT';
  constructor(
    readonly field: string,
    /** What is wrong with it, without the field. */
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'InvalidObjectError';
  }
}
