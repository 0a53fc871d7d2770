import { FrameProtocolError } from './errors.js';
import { type HelloFrame, PROTOCOL_VERSION } from './frames.js';

/**
 * Checks the runtime's `hello` against the protocol this package speaks. `protocol` is the major version: peers of
 * different majors cannot talk, and the host must stop the runtime. Throws `VERSION_MISMATCH`.
 */
export function checkHello(hello: HelloFrame): void {
  if (hello.protocol !== PROTOCOL_VERSION) {
    throw new FrameProtocolError(
      'VERSION_MISMATCH',
      `The sandbox runtime speaks frame protocol ${hello.protocol}, but this host speaks ${PROTOCOL_VERSION}: ` +
        'use a runtime and a host from the same release (update @codexec/sandbox, or the runtime it sends)',
    );
  }
}
