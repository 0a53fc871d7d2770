import { describe, expect, test } from 'vitest';
import { LineReader, LineTooLongError } from './line-reader.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('LineReader', () => {
  test('splits lines across and within chunks, dropping \\r before \\n', () => {
    const reader = new LineReader(1024);
    expect(reader.push(bytes('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(reader.push(bytes(':2}\r\n'))).toEqual(['{"b":2}']);
    expect(reader.push(bytes('x\ny\nz'))).toEqual(['x', 'y']);
    expect(reader.push(bytes('\n'))).toEqual(['z']);
  });

  test('a multi-byte character split between chunks survives', () => {
    const reader = new LineReader(1024);
    const euro = bytes('€\n');
    expect(reader.push(euro.subarray(0, 1))).toEqual([]);
    expect(reader.push(euro.subarray(1))).toEqual(['€']);
  });

  test('a line longer than the limit throws, whether it ends in the chunk or not', () => {
    expect(() => new LineReader(4).push(bytes('12345\n'))).toThrow(LineTooLongError);
    const reader = new LineReader(4);
    reader.push(bytes('123'));
    expect(() => reader.push(bytes('45'))).toThrow('a message over 4 bytes');
  });

  test('reassembles a large line from many chunks exactly', () => {
    const reader = new LineReader(10 * 1024 * 1024);
    const line = 'x'.repeat(3 * 1024 * 1024);
    const data = bytes(`${line}\n`);
    const lines: string[] = [];
    for (let offset = 0; offset < data.length; offset += 65_536) {
      lines.push(...reader.push(data.subarray(offset, offset + 65_536)));
    }
    expect(lines).toHaveLength(1);
    expect(lines[0] === line).toBe(true);
  });
});
