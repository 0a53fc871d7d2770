import type { ContainerLimits, LimitSupport } from '@codexec/container-runtime';
import { limitSupport } from '@codexec/container-runtime';
import type { LimitsReport } from '@codexec/frame-protocol';
import { messageOf } from '@codexec/internal';
import { createSandbox, type Sandbox } from '@codexec/sandbox';
import type { LimitHolds } from './capabilities.js';
import { type SelectedEngine, selectEngine } from './container-engine.js';
import { reapLeftovers } from './leftovers.js';
import { childLogger, type Logger } from './logger.js';
import type { Settings } from './settings.js';

/** The requirement of MCP_BRIDGE_REQUIRE_LIMITS, as the sandbox takes it. */
const REQUIREMENT = { off: false, on: true, cgroup: 'cgroup' } as const;

/**
 * The container engine and the sandbox on it, both made on first use and made again after a failure (the user
 * may start the engine meanwhile), and what is known of how the limits hold.
 */
export interface SandboxSupply {
  /** The container engine, found on first use (and remembered once it answers). */
  containerEngine(options?: { signal?: AbortSignal }): Promise<SelectedEngine>;
  /** The sandbox, made on first use on the engine found. */
  sandbox(): Promise<Sandbox>;
  /** The sandbox if one was asked for (made, being made, or failed), for closing it. */
  made(): Promise<Sandbox> | undefined;
  /** Finds the engine and logs which limits it applies with cgroups and how the others hold. Never rejects. */
  announceLimits(): Promise<void>;
  /** What the engine's info says it can apply with cgroups; undefined before the engine is found. */
  limitSupport(): LimitSupport | undefined;
  /** How the limits held in the last container started; undefined before one started. */
  limitsReport(): LimitsReport | undefined;
  /** How each limit holds: as the last container reported, else as the engine's info predicts. */
  holds(): LimitHolds | undefined;
}

export function createSandboxSupply(options: {
  settings: Settings;
  limits: ContainerLimits;
  logger: Logger;
  instanceId: string;
}): SandboxSupply {
  const { settings, limits, logger, instanceId } = options;
  let engineFound: Promise<SelectedEngine> | undefined;
  const containerEngine = (opts: { signal?: AbortSignal } = {}) => {
    engineFound ??= selectEngine(settings, { logger: childLogger(logger, 'engine'), ...opts }).then(
      (found) => {
        reapLeftovers(found.runtime, { logger }).catch((error) =>
          logger.debug('could not look for leftover containers', { error }),
        );
        return found;
      },
      (error) => {
        engineFound = undefined; // a later run tries again: the user may start the engine meanwhile
        throw error;
      },
    );
    return engineFound;
  };
  let sandboxMade: Promise<Sandbox> | undefined;
  /** The sandbox once made, for what it knows synchronously (the limits report). */
  let settled: Sandbox | undefined;
  const sandbox = () => {
    sandboxMade ??= containerEngine()
      .then(({ runtime }) =>
        createSandbox({
          runtime,
          image: settings.image,
          limits,
          logger: childLogger(logger, 'sandbox'),
          instanceId,
          pool: { size: settings.poolSize, maxIdleMs: settings.idleTimeoutMs },
          directChannel: settings.directChannel,
          sessions: { max: settings.maxSessions, idleTimeoutMs: settings.idleTimeoutMs },
          requireLimits: REQUIREMENT[settings.requireLimits],
        }),
      )
      .then((made) => {
        settled = made;
        return made;
      })
      .catch((error) => {
        sandboxMade = undefined;
        throw error;
      });
    return sandboxMade;
  };

  let support: LimitSupport | undefined;
  const announceLimits = async (): Promise<void> => {
    let found: SelectedEngine;
    try {
      found = await containerEngine();
    } catch (error) {
      logger.debug('no container engine yet; the first run looks again', { error: messageOf(error) });
      return;
    }
    support = limitSupport(found.info);
    const cgroups = support.cgroups;
    const asked = { memory: true, pids: true, cpus: limits.cpus !== undefined };
    const missing = (['memory', 'pids', 'cpus'] as const).filter((name) => asked[name] && !cgroups[name]);
    if (missing.length === 0) {
      logger.info('container limits: the engine applies memory, process and CPU limits with cgroups');
      return;
    }
    const instead = missing.map(
      (name) =>
        ({
          memory: `memory (${limits.memory}) by a data limit in each process`,
          pids: `processes (${limits.pids}) by RLIMIT_NPROC, counted per engine user`,
          cpus: `no CPU quota (${limits.cpus}) at all`,
        })[name],
    );
    const refused =
      settings.requireLimits === 'cgroup' || (settings.requireLimits === 'on' && missing.includes('cpus'))
        ? ` Runs will be refused (MCP_BRIDGE_REQUIRE_LIMITS=${settings.requireLimits === 'on' ? '1' : 'cgroup'}).`
        : '';
    logger.warn(
      `container limits: ${support.reason}; the sandbox holds ${instead.join(', ')} instead.${refused}`,
      { fix: support.fix },
    );
  };
  const limitsReport = (): LimitsReport | undefined => settled?.limits();
  const holds = (): LimitHolds | undefined => {
    const report = limitsReport();
    if (report) {
      return {
        memory: report.memory?.enforcedBy,
        pids: report.pids?.enforcedBy,
        cpus: report.cpus?.enforcedBy,
      };
    }
    if (!support) return undefined;
    return {
      memory: support.cgroups.memory ? 'cgroup' : 'rlimit',
      pids: support.cgroups.pids ? 'cgroup' : 'rlimit',
      cpus: support.cgroups.cpus ? 'cgroup' : 'none',
    };
  };

  return {
    containerEngine,
    sandbox,
    made: () => sandboxMade,
    announceLimits,
    limitSupport: () => support,
    limitsReport,
    holds,
  };
}
