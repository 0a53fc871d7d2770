import { describe, expect, it } from 'vitest';
import { OutputBuffer } from './output-buffer.js';

describe('OutputBuffer', () => {
  it('keeps everything under the limit', () => {
    const buffer = new OutputBuffer(100);
    buffer.append('hello ');
    buffer.append('world\n');
    expect(buffer.text('stdout')).toBe('hello world\n');
    expect(buffer.truncated).toBe(false);
    expect(buffer.droppedBytes).toBe(0);
    expect(buffer.totalBytes).toBe(12);
  });

  it('keeps the head and the tail and says how much was dropped', () => {
    const buffer = new OutputBuffer(10);
    buffer.append('abcdefghij');
    buffer.append('KLMNOPQRST');
    buffer.append('uvwxyz');
    expect(buffer.totalBytes).toBe(26);
    expect(buffer.droppedBytes).toBe(16);
    expect(buffer.text('stdout')).toBe(
      'abcde\n… [stdout truncated in the sandbox: 16 bytes omitted] …\nvwxyz',
    );
  });

  it('handles many small chunks and one huge chunk alike', () => {
    const small = new OutputBuffer(1000);
    for (let i = 0; i < 10_000; i += 1) small.append(`${i % 10}`);
    const big = new OutputBuffer(1000);
    big.append(Array.from({ length: 10_000 }, (_, i) => `${i % 10}`).join(''));
    expect(small.text('stderr')).toBe(big.text('stderr'));
    expect(small.droppedBytes).toBe(9000);
  });

  it('never splits a multi-byte character', () => {
    const buffer = new OutputBuffer(11);
    buffer.append('€'.repeat(20));
    const text = buffer.text('stdout');
    expect(text).not.toContain('\ufffd');
    expect(text.startsWith('€€')).toBe(true);
    expect(text.endsWith('€')).toBe(true);
    expect(buffer.totalBytes).toBe(60);
    expect(buffer.droppedBytes).toBe(51);
    expect(text).toBe('€€\n… [stdout truncated in the sandbox: 51 bytes omitted] …\n€');
  });
});
