import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { TailRecorder } from './tail-recorder.js';

async function through(chunks: string[], limit: number): Promise<{ passed: string; kept: string }> {
  const recorder = new TailRecorder(limit);
  const passed: Buffer[] = [];
  recorder.on('data', (chunk: Buffer) => passed.push(chunk));
  await pipeline(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), recorder);
  return { passed: Buffer.concat(passed).toString(), kept: recorder.text() };
}

describe('TailRecorder', () => {
  it('passes every byte through unchanged and keeps only the last ones', async () => {
    const chunks = ['Trying to pull docker.io/x...\n', 'Error: ', 'docker.io/x: image not known\n'];
    const { passed, kept } = await through(chunks, 20);
    expect(passed).toBe(chunks.join(''));
    expect(kept).toBe('/x: image not known\n');
  });

  it('keeps everything while it is under the limit, and nothing of a stream that wrote nothing', async () => {
    expect((await through(['short'], 8192)).kept).toBe('short');
    expect((await through([], 8192)).kept).toBe('');
  });

  it('keeps the end of a stream far longer than its limit', async () => {
    const chunks = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`);
    const { passed, kept } = await through(chunks, 9);
    expect(passed).toHaveLength(chunks.join('').length);
    expect(kept).toBe('line 999\n');
  });
});
