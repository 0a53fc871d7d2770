/** A pod the stand-in refuses: `field` is the API path of the value (`spec.containers[0].image`). */
export class InvalidPodError extends Error {
  readonly code = 'INVALID_POD';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidPodError';
  }
}
