import { describe, expect, it } from 'vitest';
import { diedMessage, looksOutOfMemory, memoryLimitMessage } from './run-result.js';

describe('looksOutOfMemory', () => {
  it.each([
    [{ code: 137, signal: null }, true],
    [{ code: null, signal: 'SIGKILL' }, true],
    [{ code: 1, signal: null }, false],
    [{ code: 0, signal: null }, false],
    [{ code: 139, signal: null }, false],
  ])('%o -> %s', (exit, expected) => {
    expect(looksOutOfMemory(exit)).toBe(expected);
  });
});

describe('messages', () => {
  it('name the memory limit and what to do', () => {
    expect(memoryLimitMessage('512m')).toMatch(/memory limit of 512m.*or raise `limits\.memory`$/);
  });

  it('say how the container died and what it wrote', () => {
    expect(diedMessage({ code: 3, signal: null }, 'boom\n')).toBe(
      'The container exited with code 3 before the code finished; the run was lost. Its last stderr: boom',
    );
  });
});
