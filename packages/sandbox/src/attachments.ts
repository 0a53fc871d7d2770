import { type FrameChannel, FrameProtocolError } from '@codexec/frame-protocol';

import { formatBytes } from '@codexec/internal';
/** A file the code handed back with its result (`runtime.attach`, `runtime.show`). */
export interface Attachment {
  /** A file name, no path. */
  name: string;
  mimeType: string;
  /** The bytes, base64. */
  data: string;
  /** Bytes. */
  size: number;
}

export interface AttachmentLimits {
  /** Largest file (default 5 MiB). */
  maxFileBytes: number;
  /** Largest total of one run (default 20 MiB). */
  maxRunBytes: number;
}

export const DEFAULT_MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_RUN_ATTACHMENT_BYTES = 20 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Image types MCP clients show as images. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);

/**
 * Serves `run/attach` of one run into `into`, within the limits; a file over a limit is refused with `TOO_LARGE`
 * (the code gets a `ValueError` saying which limit) and nothing is kept of it. Returns a function that removes it.
 */
export function serveAttachments(
  channel: FrameChannel<'host'>,
  limits: AttachmentLimits,
  into: Attachment[],
): () => void {
  return channel.onRequest('run/attach', async (params) => {
    const name = params.name.split(/[\\/]/).pop() || 'attachment';
    if (!BASE64.test(params.data) || params.data.length % 4 !== 0) {
      throw FrameProtocolError.remote({ code: 'INVALID_PARAMS', message: `${name}: the data is not base64` });
    }
    const size = Buffer.byteLength(params.data, 'base64');
    if (size > limits.maxFileBytes) {
      throw FrameProtocolError.remote({
        code: 'TOO_LARGE',
        message: `${name} is ${formatBytes(size)}, over the limit of ${formatBytes(limits.maxFileBytes)} for one attachment; make it smaller (a lower resolution, a compressed format, a summary) or print what matters`,
      });
    }
    const used = into.reduce((sum, a) => sum + a.size, 0);
    if (used + size > limits.maxRunBytes) {
      throw FrameProtocolError.remote({
        code: 'TOO_LARGE',
        message: `${name} (${formatBytes(size)}) would take this run's attachments over ${formatBytes(limits.maxRunBytes)}; attach fewer or smaller files`,
      });
    }
    into.push({ name, mimeType: params.mimeType.toLowerCase(), data: params.data, size });
    return { size };
  });
}
