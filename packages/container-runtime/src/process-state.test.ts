import { describe, expect, it } from 'vitest';
import { killPending, parseProcStat, procSaysRunning } from './process-state.js';

/** A `/proc/<pid>/stat` line with the given name, state and flags (the rest as a real podman client has them). */
const stat = (name: string, state: string, flags: number): string =>
  `14111 (${name}) ${state} 14109 14109 10011 0 -1 ${flags} 98 0 0 0 0 0 0 0 20 0 12 0 2194132 3133440 406 ` +
  '18446744073709551615 94458523566080 94458523585961 140726251199360 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n';

const status = (sigPnd: string, shdPnd: string): string =>
  `Name:\tpodman\nState:\tS (sleeping)\nTgid:\t14111\nSigQ:\t0/63229\nSigPnd:\t${sigPnd}\nShdPnd:\t${shdPnd}\n` +
  'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\tfffffffd7fc1feff\n';

const NONE = '0000000000000000';
const SIGKILL = '0000000000000100';
const SIGTERM = '0000000000004000';

describe('parseProcStat', () => {
  it.each([
    ['a plain name', stat('podman', 'S', 4194560), { state: 'S', flags: 4194560 }],
    ['a name with spaces and parentheses', stat('a) (b c', 'R', 4194304), { state: 'R', flags: 4194304 }],
    ['a zombie', stat('podman', 'Z', 4227084), { state: 'Z', flags: 4227084 }],
  ])('reads the state and flags of %s', (_, text, expected) => {
    expect(parseProcStat(text)).toEqual(expected);
  });

  it.each([
    ['empty text', ''],
    ['no command name', '14111 podman S 1 2 3 4 5 6'],
    ['a cut line', '14111 (podman) S 1 2'],
    ['a state that is not a letter', stat('podman', '?', 0)],
  ])('answers undefined for %s', (_, text) => {
    expect(parseProcStat(text)).toBeUndefined();
  });
});

describe('killPending', () => {
  it.each([
    ['nothing pending', status(NONE, NONE), false],
    ['a SIGKILL sent to the process (kill -9)', status(NONE, SIGKILL), true],
    ['a SIGKILL for the main thread of an exiting group', status(SIGKILL, NONE), true],
    ['SIGKILL among other signals', status(NONE, '0000000000004103'), true],
    ['only a SIGTERM', status(SIGTERM, SIGTERM), false],
  ])('%s', (_, text, expected) => {
    expect(killPending(text)).toBe(expected);
  });

  it('answers undefined for text without the pending masks', () => {
    expect(killPending('Name:\tpodman\nState:\tS (sleeping)\n')).toBeUndefined();
  });
});

describe('procSaysRunning', () => {
  it.each([
    ['sleeping, nothing pending', stat('podman', 'S', 4194560), status(NONE, NONE), true],
    [
      'running with a SIGTERM pending (podman forwards it)',
      stat('podman', 'R', 4194560),
      status(NONE, SIGTERM),
      true,
    ],
    // What `kill -9` leaves for a moment: still `R`, the SIGKILL pending or the task already exiting.
    ['killed but not yet exiting', stat('podman', 'R', 4194560), status(NONE, SIGKILL), false],
    ['exiting (PF_EXITING)', stat('podman', 'R', 4194564), status(NONE, NONE), false],
    ['a zombie nobody reaped yet', stat('podman', 'Z', 4227084), status(NONE, NONE), false],
    ['dead', stat('podman', 'X', 4227084), status(NONE, NONE), false],
  ])('%s: %s', (_, statText, statusText, expected) => {
    expect(procSaysRunning(statText, statusText)).toBe(expected);
  });

  it('answers undefined when either file cannot be read as such', () => {
    expect(procSaysRunning('', status(NONE, NONE))).toBeUndefined();
    expect(procSaysRunning(stat('podman', 'S', 0), '')).toBeUndefined();
  });
});
