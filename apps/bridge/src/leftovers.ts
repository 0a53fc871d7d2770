import { hostname } from 'node:os';
import { type ContainerRuntime, LABEL_INSTANCE, LABEL_MANAGED } from '@codexec/container-runtime';
import type { Logger } from './logger.js';

const PREFIX = 'bridge';

/** An instance id that says which host and process own the containers: `bridge.<host>.<pid>.<random>`. */
export function bridgeInstanceId(host: string, pid: number, random: string): string {
  return `${PREFIX}.${host.replace(/[^\w-]/g, '-')}.${pid}.${random}`;
}

/**
 * Whether containers labelled with `instance` were left by a bridge of this host whose process is gone. Containers
 * of live bridges, of other hosts (a shared remote engine) and of other users of the sandbox library are not. Pure.
 */
export function isLeftover(instance: string, host: string, alive: (pid: number) => boolean): boolean {
  const match = /^bridge\.(.+)\.(\d+)\.[^.]+$/.exec(instance);
  if (!match) return false;
  if (match[1] !== host.replace(/[^\w-]/g, '-')) return false;
  return !alive(Number(match[2]));
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
  return bridgeInstanceId(hostname(), process.pid, Math.random().toString(36).slice(2, 8));
}

/** Removes the containers of bridges of this host that died without cleaning up. Returns the names removed. */
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
        .filter((i): i is string => i !== undefined && isLeftover(i, host, processAlive)),
    ),
  ];
  const removed: string[] = [];
  for (const instance of dead) removed.push(...(await runtime.reap({ [LABEL_INSTANCE]: instance }, signal)));
  if (removed.length)
    options.logger.info('removed containers left by a bridge that died', { count: removed.length });
  return removed;
}
