import { FrameProtocolError } from './errors.js';
import type { AnyFrame } from './frames.js';

/**
 * One frame as one NDJSON line, newline included. JSON text never contains a raw newline (newlines inside strings
 * are escaped as `\n`), so the line cannot be split by the frame's content. Lone UTF-16 surrogates in strings are
 * written as `\uXXXX` escapes, so the line is always valid UTF-8 and the surrogate survives a round trip through a
 * JavaScript decoder unchanged.
 *
 * The frame is not validated here (the channel validates what it sends).
 * @throws {FrameProtocolError} `ENCODE_FAILED` for a value JSON cannot represent (a BigInt, a cycle) or a value
 * that is not an object with a string `type`.
 */
export function encodeFrame(frame: AnyFrame): string {
  if (typeof frame !== 'object' || frame === null || typeof (frame as { type?: unknown }).type !== 'string') {
    throw new FrameProtocolError(
      'ENCODE_FAILED',
      'Cannot encode a frame that is not an object with a string `type`: pass one of the frame objects of PROTOCOL.md',
    );
  }
  let json: string;
  try {
    json = JSON.stringify(frame);
  } catch (cause) {
    throw new FrameProtocolError(
      'ENCODE_FAILED',
      `Cannot encode a "${frame.type}" frame as JSON (${(cause as Error).message}): send only JSON values (no BigInt, no cycles)`,
      { cause },
    );
  }
  return `${json}\n`;
}
