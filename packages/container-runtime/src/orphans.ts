import { hostname } from 'node:os';
import { LABEL_MANAGED } from './hardened-args.js';
import type { CommandOptions, ContainerRuntime, ContainerSummary } from './runtime.js';

/** Process id of the host process (the bridge) that started the container. */
export const LABEL_OWNER_PID = 'codexec.owner-pid';
/** Host name of the machine that process runs on, since one engine can serve several machines. */
export const LABEL_OWNER_HOST = 'codexec.owner-host';

/**
 * Labels naming the process that starts a container, to merge into its labels
 * (`{ ...containerLabels(id), ...ownerLabels() }`). A later process can then find containers whose owner died
 * without knowing the dead owner's instance id: `reapOrphans(runtime)`.
 */
export function ownerLabels(
  owner: {
    /** @default process.pid */
    pid?: number;
    /** @default os.hostname() */
    host?: string;
  } = {},
): Record<string, string> {
  return {
    [LABEL_OWNER_PID]: String(owner.pid ?? process.pid),
    [LABEL_OWNER_HOST]: owner.host ?? hostname(),
  };
}

/**
 * The containers whose owner process is gone. Pure. Only containers started on `host` with an owner pid count:
 * a container of another machine, or without owner labels, is never an orphan here. A reused pid makes an orphan
 * look alive, which errs on the safe side (it stays).
 */
export function findOrphans(
  containers: ContainerSummary[],
  options: { host: string; isAlive: (pid: number) => boolean },
): ContainerSummary[] {
  return containers.filter((container) => {
    const pid = Number(container.labels[LABEL_OWNER_PID]);
    if (container.labels[LABEL_OWNER_HOST] !== options.host || !Number.isInteger(pid) || pid <= 0)
      return false;
    return !options.isAlive(pid);
  });
}

/** Whether a process with this pid exists on this machine (signal 0 checks without signalling). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the managed containers whose owner process on this machine has died (a crashed bridge), and returns
 * their names. Meant for start-up, next to `reap(containerLabels(previousInstanceId))` when the id is known.
 * @throws {ContainerRuntimeError} (rejects) what the runtime's `list` and `remove` throw.
 */
export async function reapOrphans(
  runtime: ContainerRuntime,
  options: CommandOptions & {
    /**
     * The machine whose dead owners count.
     * @default os.hostname()
     */
    host?: string;
    /**
     * Whether a process of this machine is alive.
     * @default processIsAlive
     */
    isAlive?: (pid: number) => boolean;
  } = {},
): Promise<string[]> {
  const { host = hostname(), isAlive = processIsAlive, ...commandOptions } = options;
  const managed = await runtime.list({ [LABEL_MANAGED]: 'true' }, commandOptions);
  const orphans = findOrphans(managed, { host, isAlive });
  const removed: string[] = [];
  for (const orphan of orphans) {
    await runtime.remove(orphan.name || orphan.id, commandOptions);
    removed.push(orphan.name || orphan.id);
  }
  return removed;
}
