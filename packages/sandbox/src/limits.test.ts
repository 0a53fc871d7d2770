import { DEFAULT_LIMITS } from '@codexec/container-runtime';
import type { LimitsReport } from '@codexec/frame-protocol';
import { describe, expect, it } from 'vitest';
import { describeLimits, limitsRefusal, memoryFallbackMessage, requestedLimits } from './limits.js';

const MIB = 1024 * 1024;

/** As rootless podman on cgroups v1 reported it on this machine. */
const rootlessV1: LimitsReport = {
  cgroup: 'v1',
  memory: {
    requested: 512 * MIB,
    enforcedBy: 'rlimit',
    effective: 577409024,
    runtime: 40538112,
    addressSpace: 2403225600,
  },
  pids: { requested: 128, enforcedBy: 'rlimit', effective: 128 },
  cpus: { requested: 1, enforcedBy: 'none' },
  fileSize: { requested: 64 * MIB, enforcedBy: 'rlimit', effective: 64 * MIB },
};

const rootful: LimitsReport = {
  cgroup: 'v1',
  memory: { requested: 512 * MIB, enforcedBy: 'cgroup', effective: 512 * MIB },
  pids: { requested: 128, enforcedBy: 'cgroup', effective: 128 },
  fileSize: { requested: 64 * MIB, enforcedBy: 'rlimit', effective: 64 * MIB },
};

describe('requestedLimits', () => {
  it('turns the container limits into bytes, processes and CPUs', () => {
    expect(requestedLimits({ ...DEFAULT_LIMITS, cpus: '1.5', workspaceSize: '1g' })).toEqual({
      memory: 512 * MIB,
      pids: 128,
      cpus: 1.5,
      fileSize: 1024 * MIB,
    });
    expect(requestedLimits(DEFAULT_LIMITS).cpus).toBeUndefined();
  });
});

describe('describeLimits', () => {
  it('says how each limit holds, in a fixed order', () => {
    const lines = describeLimits(rootlessV1);
    expect(lines.map((line) => [line.label, line.requested, line.enforcedBy])).toEqual([
      ['memory', '512 MiB', 'rlimit'],
      ['processes', '128', 'rlimit'],
      ['CPU', '1', 'none'],
      ['file size', '64 MiB', 'rlimit'],
    ]);
    expect(lines[0]!.text).toBe(
      "enforced by a fallback: a per-process data limit of 550.7 MiB (the runtime's own 38.7 MiB included) and " +
        'an address space of 2.2 GiB; past it, MemoryError; each process the code starts has its own',
    );
    expect(lines[1]!.text).toMatch(/RLIMIT_NPROC 128.*shared by every sandbox container/);
    expect(lines[2]!.text).toBe('not enforced');
    expect(describeLimits(rootful)[0]!.text).toBe('enforced by cgroups');
  });

  it('mentions a stricter cgroup limit above the container', () => {
    const report: LimitsReport = {
      cgroup: 'v2',
      memory: { requested: 512 * MIB, enforcedBy: 'cgroup', effective: 256 * MIB },
    };
    expect(describeLimits(report)[0]!.text).toBe(
      'enforced by cgroups (256 MiB, a stricter limit above the container)',
    );
  });
});

describe('limitsRefusal', () => {
  it('lets everything run when nothing is required', () => {
    expect(limitsRefusal(rootlessV1, false)).toBeUndefined();
    expect(limitsRefusal(undefined, undefined)).toBeUndefined();
  });

  it('with true, refuses only a limit nothing holds (a CPU quota without cgroups)', () => {
    expect(limitsRefusal(rootful, true)).toBeUndefined();
    expect(limitsRefusal({ ...rootlessV1, cpus: undefined }, true)).toBeUndefined();
    const refusal = limitsRefusal(rootlessV1, true);
    expect(refusal).toMatch(
      /^The sandbox requires its limits to be enforced \(`requireLimits`\), and this engine does not: CPU 1: not enforced\./,
    );
    expect(refusal).toMatch(/do not ask for a CPU quota \(`limits\.cpus`\)/);
  });

  it("with 'cgroup', refuses the fallbacks too (but not the file size, which is always an rlimit)", () => {
    expect(limitsRefusal(rootful, 'cgroup')).toBeUndefined();
    const refusal = limitsRefusal(rootlessV1, 'cgroup')!;
    expect(refusal).toMatch(
      /enforced by cgroups \(`requireLimits`\), and this engine does not: memory 512 MiB: enforced by a fallback/,
    );
    expect(refusal).toMatch(/processes 128: enforced by a fallback/);
    expect(refusal).not.toMatch(/file size/);
  });

  it('refuses a runtime that sent no report when limits are required', () => {
    expect(limitsRefusal(undefined, true)).toMatch(/did not report them/);
  });
});

describe('memoryFallbackMessage', () => {
  it('names the limit and how it is held, and keeps what Python said', () => {
    expect(memoryFallbackMessage('512m', rootlessV1.memory!, '')).toMatch(
      /^The code ran out of memory: it used more than the memory limit of 512m, held here by a per-process data limit of 550\.7 MiB/,
    );
    expect(memoryFallbackMessage('512m', rootlessV1.memory!, 'cannot allocate')).toMatch(
      /^The code ran out of memory \(cannot allocate\): /,
    );
  });
});
