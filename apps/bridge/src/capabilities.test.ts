import { describe, expect, it } from 'vitest';
import { type CapabilitiesOptions, capabilitiesMarkdown } from './capabilities.js';

const options: CapabilitiesOptions = {
  image: 'python:3.12-slim',
  defaultTimeoutMs: 30_000,
  maxTimeoutSeconds: 120,
  memory: '512m',
  pids: 128,
  cpus: '1.5',
  user: '65534:65534',
  maxOutputChars: 100_000,
  servers: [],
};

const row = (text: string, what: string) => new RegExp(`^\\| ${what} \\| (.*) \\|$`, 'm').exec(text)?.[1];

describe('the manual states the limits in force', () => {
  it('as configured while nothing says otherwise, and with cgroups', () => {
    for (const enforcement of [undefined, { memory: 'cgroup', pids: 'cgroup', cpus: 'cgroup' } as const]) {
      const text = capabilitiesMarkdown({ ...options, enforcement });
      expect(row(text, 'memory')).toBe('512m, no swap');
      expect(row(text, 'processes')).toBe('128');
      expect(row(text, 'CPU')).toBe('1.5');
    }
  });

  it('with the rlimit fallbacks of a rootless engine on cgroups v1', () => {
    const text = capabilitiesMarkdown({
      ...options,
      enforcement: { memory: 'rlimit', pids: 'rlimit', cpus: 'none' },
    });
    expect(row(text, 'memory')).toMatch(
      /^512m per process \(this engine applies no cgroup limit.*`MemoryError`\)$/,
    );
    expect(row(text, 'processes')).toBe(
      '128 (an rlimit, shared with the other sandboxes of the same engine user)',
    );
    expect(row(text, 'CPU')).toBe('1.5 asked for, **not enforced** on this engine');
  });

  it('says plainly when a limit does not hold at all', () => {
    const text = capabilitiesMarkdown({
      ...options,
      cpus: undefined,
      enforcement: { memory: 'none', pids: 'none' },
    });
    expect(row(text, 'memory')).toBe('512m asked for, **not enforced** on this engine');
    expect(row(text, 'processes')).toBe('128 asked for, **not enforced** on this engine');
    expect(row(text, 'CPU')).toBe('no quota');
  });
});
