import { hostname } from 'node:os';
import { type ContainerRuntime, LABEL_INSTANCE, LABEL_MANAGED } from '@codexec/container-runtime';
import type { Logger } from './logger.js';

const PREFIX = 'bridge';

/** An instance id that says which host and process own the containers: `bridge.<host>.<pid>.<random>`. */
export function bridgeInstanceId(host: string, pid: number, random: string): string {
  return `${PREFIX}.${host.replace(/[^\w-]/g, '-')}.${pid}.${random}`;
}

/** This process and the instance ids its bridges use. */
export interface OwnInstances {
  pid: number;
  instances: ReadonlySet<string>;
}

/**
 * Whether containers labelled with `instance` were left by a bridge of this host whose process is gone. Containers
 * of live bridges, of other hosts (a shared remote engine) and of other users of the sandbox library are not. An id
 * with this process's own pid that none of its bridges uses is an earlier process's: a bridge restarted in a
 * container gets the pid it had before (often 1), and the pid alone would call that earlier bridge alive. Pure.
 */
export function isLeftover(
  instance: string,
  host: string,
  alive: (pid: number) => boolean,
  own?: OwnInstances,
): boolean {
  const match = /^bridge\.(.+)\.(\d+)\.[^.]+$/.exec(instance);
  if (!match) return false;
  if (match[1] !== host.replace(/[^\w-]/g, '-')) return false;
  const pid = Number(match[2]);
  if (own && pid === own.pid) return !own.instances.has(instance);
  return !alive(pid);
}

/** The instance ids of this process's bridges, given or made. */
const ownInstances = new Set<string>();

/** Marks `instance` as this process's own, so that no bridge of it reaps its containers. Returns it. */
export function claimInstance(instance: string): string {
  ownInstances.add(instance);
  return instance;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentInstanceId(): string {
  return claimInstance(bridgeInstanceId(hostname(), process.pid, Math.random().toString(36).slice(2, 8)));
}

/**
 * Removes the containers of bridges of this host that died without cleaning up, this process's earlier lives
 * included. Returns the names removed.
 */
export async function reapLeftovers(
  runtime: ContainerRuntime,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<string[]> {
  const signal = options.signal ? { signal: options.signal } : {};
  const managed = await runtime.list({ [LABEL_MANAGED]: 'true' }, signal);
  const host = hostname();
  const dead = [
    ...new Set(
      managed
        .map((c) => c.labels[LABEL_INSTANCE])
        .filter(
          (i): i is string =>
            i !== undefined &&
            isLeftover(i, host, processAlive, { pid: process.pid, instances: ownInstances }),
        ),
    ),
  ];
  const removed: string[] = [];
  for (const instance of dead) removed.push(...(await runtime.reap({ [LABEL_INSTANCE]: instance }, signal)));
  if (removed.length)
    options.logger.info('removed containers left by a bridge that died', { count: removed.length });
  return removed;
}
