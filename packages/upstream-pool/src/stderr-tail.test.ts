import { describe, expect, test } from 'vitest';
import { StderrTail } from './stderr-tail.js';

describe('StderrTail', () => {
  test('joins lines split across chunks and returns the lines each chunk completes', () => {
    const tail = new StderrTail();
    expect(tail.push('hel')).toEqual([]);
    expect(tail.push('lo\r\nwor')).toEqual(['hello']);
    expect(tail.push('ld\n\n')).toEqual(['world', '']);
    expect(tail.snapshot()).toEqual(['hello', 'world', '']);
  });

  test('keeps only the last lines, an unfinished one included', () => {
    const tail = new StderrTail(3);
    tail.push('1\n2\n3\n4\n5');
    expect(tail.snapshot()).toEqual(['3', '4', '5']);
    tail.push('\n6\n');
    expect(tail.snapshot()).toEqual(['4', '5', '6']);
  });

  test('cuts very long lines, even before they end', () => {
    const tail = new StderrTail(10, 5);
    tail.push('abcdefghij');
    tail.push('klmnop');
    expect(tail.snapshot()).toEqual(['abcde…']);
    expect(tail.push('\nok\n')).toEqual(['abcde…', 'ok']);
  });
});
