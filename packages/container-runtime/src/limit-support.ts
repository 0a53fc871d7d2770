import type { EngineInfo } from './runtime.js';

/** The limits an engine applies with cgroups; the others a container's runtime must hold another way, or cannot. */
export type CgroupLimit = 'memory' | 'pids' | 'cpus';

export interface LimitSupport {
  /** For each limit, whether the engine says it can apply it with a cgroup. */
  cgroups: Record<CgroupLimit, boolean>;
  /** Why some cannot be applied, in one sentence; undefined when all can. */
  reason?: string | undefined;
  /** What the user can change so that all can; undefined when all can. */
  fix?: string | undefined;
}

const CONTROLLER: Record<CgroupLimit, string> = { memory: 'memory', pids: 'pids', cpus: 'cpu' };

/**
 * What the engine's own info says of its cgroup limits. Pure. It is what the engine claims: the container's
 * runtime checks what really holds (the sandbox's limits report), which can differ on remote engines or when a
 * controller is listed but not usable.
 *
 * - Rootless on cgroups v1: nothing (the kernel does not let an unprivileged user manage v1 cgroups; podman says
 *   "Resource limits are not supported and ignored on cgroups V1 rootless systems").
 * - Otherwise, the controllers the engine lists (podman rootless on v2: those delegated to the user).
 */
export function limitSupport(info: EngineInfo): LimitSupport {
  const rootlessV1 = info.rootless && info.cgroupVersion === '1';
  const listed = info.cgroupControllers;
  const can = (limit: CgroupLimit): boolean =>
    !rootlessV1 && (listed === undefined || listed.includes(CONTROLLER[limit]));
  const cgroups = { memory: can('memory'), pids: can('pids'), cpus: can('cpus') };
  const missing = (Object.keys(cgroups) as CgroupLimit[]).filter((limit) => !cgroups[limit]);
  if (missing.length === 0) return { cgroups };
  const names = missing.map((limit) => CONTROLLER[limit]).join(', ');
  if (rootlessV1) {
    return {
      cgroups,
      reason: `rootless ${info.engine} cannot apply cgroup limits on cgroups v1`,
      fix:
        'boot the host with cgroups v2 (systemd.unified_cgroup_hierarchy=1) and delegate the memory, pids and cpu ' +
        `controllers to the user (systemd: Delegate=memory pids cpu in user@.service.d), or run ${info.engine} rootful`,
    };
  }
  if (info.rootless) {
    return {
      cgroups,
      reason: `the ${names} cgroup controller${missing.length > 1 ? 's are' : ' is'} not delegated to the user ${info.engine} runs as`,
      fix:
        `delegate ${names} to the user (systemd: a drop-in in /etc/systemd/system/user@.service.d/ with ` +
        `Delegate=memory pids cpu, then log in again), or run ${info.engine} rootful`,
    };
  }
  return {
    cgroups,
    reason: `${info.engine} reports no support for the ${names} cgroup controller${missing.length > 1 ? 's' : ''}`,
    fix: `enable the ${names} controller${missing.length > 1 ? 's' : ''} in the kernel (boot options such as cgroup_enable=memory), or use another engine host`,
  };
}
