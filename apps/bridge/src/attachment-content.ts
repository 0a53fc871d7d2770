import { type Attachment, IMAGE_TYPES } from '@codexec/sandbox';
import type { AttachmentContent, RunReport } from './engine.js';

/** What the structured result says of the attachments: their names, types and sizes. */
export function listed(attachments: Attachment[] | undefined) {
  return attachments?.length
    ? { attachments: attachments.map(({ name, mimeType, size }) => ({ name, mimeType, size })) }
    : {};
}

/** The files themselves, as MCP content after the text: images as images, other files as embedded resources. */
export function withAttachments(report: RunReport, attachments: Attachment[] | undefined): RunReport {
  if (!attachments?.length) return report;
  const content: AttachmentContent[] = attachments.map((file) => {
    if (IMAGE_TYPES.has(file.mimeType)) return { type: 'image', data: file.data, mimeType: file.mimeType };
    const uri = `attachment:///${encodeURIComponent(file.name)}`;
    if (file.mimeType.startsWith('text/') || file.mimeType === 'application/json') {
      const text = Buffer.from(file.data, 'base64').toString('utf8');
      return { type: 'resource', resource: { uri, mimeType: file.mimeType, text } };
    }
    return { type: 'resource', resource: { uri, mimeType: file.mimeType, blob: file.data } };
  });
  return { ...report, attachments: content };
}
