import { type ContainerLimits, parseSize } from '@codexec/container-runtime';
import type { LimitEnforcement, LimitsReport } from '@codexec/frame-protocol';
import { formatBytes } from '@codexec/internal';

/**
 * The limits a container's runtime reports in its hello: whether the kernel holds each one with the engine's cgroup,
 * with an rlimit the runtime set in its place, or not at all. Pure functions over that report.
 */

/** The limits the runtime checks and, where cgroups do not hold them, stands in for. */
export type LimitName = 'memory' | 'pids' | 'cpus' | 'fileSize';

/**
 * What a sandbox insists on before it runs code (`SandboxOptions.requireLimits`): `true`, every limit holds (by
 * cgroups or by the runtime's rlimits); `'cgroup'`, every limit holds by cgroups (the rlimits are per process and
 * weaker). A container that falls short is removed and the run fails, saying which limit and why.
 */
export type LimitsRequirement = boolean | 'cgroup';

/** What the runtime is asked to hold, passed as `CODEXEC_LIMITS`: sizes in bytes, processes, CPUs. Pure. */
export function requestedLimits(limits: ContainerLimits): Record<LimitName, number | undefined> {
  const tmpfs = [parseSize(limits.tmpSize), parseSize(limits.workspaceSize)].filter(
    (size): size is number => size !== undefined,
  );
  return {
    memory: parseSize(limits.memory),
    pids: limits.pids,
    cpus: limits.cpus === undefined ? undefined : Number(limits.cpus),
    // One file can be at most as large as the larger tmpfs it could be written to.
    fileSize: tmpfs.length ? Math.max(...tmpfs) : undefined,
  };
}

export const LIMIT_LABELS: Record<LimitName, string> = {
  memory: 'memory',
  pids: 'processes',
  cpus: 'CPU',
  fileSize: 'file size',
};

/** How one limit holds, in words, for logs, `doctor` and the manual. */
export interface LimitLine {
  name: LimitName;
  /** `memory`, `processes`, `CPU`, `file size`. */
  label: string;
  /** The limit asked for, as people read it (`512 MiB`, `128`, `1.5`). */
  requested: string;
  enforcedBy: LimitEnforcement['enforcedBy'];
  /** `enforced by cgroups`, `enforced by a fallback: …`, `not enforced`. */
  text: string;
}

/** One line per limit of the report, in a fixed order. Pure. */
export function describeLimits(report: LimitsReport): LimitLine[] {
  const lines: LimitLine[] = [];
  for (const name of ['memory', 'pids', 'cpus', 'fileSize'] as const) {
    const entry = report[name];
    if (!entry) continue;
    const requested =
      name === 'memory' || name === 'fileSize' ? formatBytes(entry.requested) : String(entry.requested);
    lines.push({
      name,
      label: LIMIT_LABELS[name],
      requested,
      enforcedBy: entry.enforcedBy,
      text: how(name, entry),
    });
  }
  return lines;
}

function how(name: LimitName, entry: LimitEnforcement): string {
  if (entry.enforcedBy === 'none') return 'not enforced';
  if (entry.enforcedBy === 'cgroup') {
    const stricter = entry.effective !== undefined && entry.effective < entry.requested;
    const shown = name === 'memory' ? formatBytes(entry.effective ?? 0) : String(entry.effective);
    return `enforced by cgroups${stricter ? ` (${shown}, a stricter limit above the container)` : ''}`;
  }
  switch (name) {
    case 'memory':
      return (
        `enforced by a fallback: a per-process data limit of ${formatBytes(entry.effective ?? entry.requested)} (the ` +
        `runtime's own ${formatBytes(entry.runtime ?? 0)} included) and an address space of ` +
        `${formatBytes(entry.addressSpace ?? 0)}; past it, MemoryError; each process the code starts has its own`
      );
    case 'pids':
      return (
        `enforced by a fallback: RLIMIT_NPROC ${entry.effective ?? entry.requested}, which the kernel counts per ` +
        "user: it is shared by every sandbox container of the engine's user"
      );
    case 'fileSize':
      return `enforced by RLIMIT_FSIZE (${formatBytes(entry.effective ?? entry.requested)} per file)`;
    default:
      return 'enforced by an rlimit';
  }
}

/**
 * Why a container with this report must not run code under the requirement, or undefined when it may. A runtime
 * that sent no report (older than protocol revision 3) cannot show that any limit holds. Pure.
 */
export function limitsRefusal(
  report: LimitsReport | undefined,
  requirement: LimitsRequirement | undefined,
): string | undefined {
  if (!requirement) return undefined;
  if (!report) {
    return 'The sandbox requires its limits to be enforced (`requireLimits`), but the container did not report them (its runtime is too old)';
  }
  const short = describeLimits(report).filter((line) =>
    requirement === 'cgroup'
      ? line.enforcedBy !== 'cgroup' && line.name !== 'fileSize'
      : line.enforcedBy === 'none',
  );
  if (short.length === 0) return undefined;
  const which = short.map((line) => `${line.label} ${line.requested}: ${line.text}`).join('; ');
  return (
    `The sandbox requires its limits to be enforced${requirement === 'cgroup' ? ' by cgroups' : ''} (\`requireLimits\`), and this ` +
    `engine does not: ${which}. Run the engine where it can apply cgroup limits (rootful, or rootless on cgroups v2 ` +
    'with the memory, pids and cpu controllers delegated to the user)' +
    (requirement === 'cgroup'
      ? ', or accept the fallbacks'
      : ', or do not ask for a CPU quota (`limits.cpus`) the engine cannot hold')
  );
}

/** The message of a run that went past a memory limit held by the runtime's data rlimit. Pure. */
export function memoryFallbackMessage(memory: string, entry: LimitEnforcement, original: string): string {
  const said = original.trim() ? ` (${original.trim()})` : '';
  return (
    `The code ran out of memory${said}: it used more than the memory limit of ${memory}, held here by a ` +
    `per-process data limit of ${formatBytes(entry.effective ?? entry.requested)} because the engine applies no cgroup ` +
    'limit. Use less memory (process data in pieces), or raise `limits.memory`'
  );
}
