import { readFileSync } from 'node:fs';
import { type DiscoveryResult, type McpServerConfig, resolveServer } from '@codexec/config-discovery';
import { type ContainerLimits, LABEL_INSTANCE, type LimitSupport } from '@codexec/container-runtime';
import type { LimitsReport, ServerMeta, ToolCallResult, ToolMeta } from '@codexec/frame-protocol';
import { messageOf } from '@codexec/internal';
import {
  createFileMemoryStore,
  createFileSkillStore,
  type MemoryStore,
  type RunResult,
  type Sandbox,
  type SkillStore,
  skillSummary,
  staleReason,
  type ToolHost,
} from '@codexec/sandbox';
import { type RunOutcome, render } from '@codexec/toon-output';
import { createUpstreamPool, type UpstreamPool, type UpstreamServer } from '@codexec/upstream-pool';
import { listed, withAttachments } from './attachment-content.js';
import { AuditLog, auditFileOf } from './audit/audit-log.js';
import { createCallControl, type ObservedRun } from './call-control.js';
import { catalogFrom } from './catalog.js';
import { ConnectionSessions } from './connection-sessions.js';
import type { ConsoleState } from './console/console-page.js';
import { consoleStateOf, LiveRuns } from './console/live-runs.js';
import { containerLimits, type SelectedEngine } from './container-engine.js';
import { discoverServers } from './discovery.js';
import type { CatalogEntry, EngineRunOptions, RunEngine, RunReport } from './engine.js';
import { claimInstance, currentInstanceId } from './leftovers.js';
import { childLogger, type Logger } from './logger.js';
import { advertisedOutputSchema } from './output-schema.js';
import { policyFromSettings } from './policy/policy-file.js';
import { DEFAULT_SESSION, type RunArguments } from './run-arguments.js';
import { createSandboxSupply } from './sandbox-supply.js';
import { inBridgeTerms, type Settings } from './settings.js';
import { settingsProjectDir } from './state-dir.js';
import { createTelemetry } from './telemetry/telemetry.js';
import { queryToolDocs, searchToolDocs, toServerMeta } from './tool-docs.js';
import { PACKAGE_NAME, VERSION } from './version.js';

export interface CreateBridgeOptions {
  settings: Settings;
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Labels this bridge's containers, so leftovers of a crashed bridge can be told apart and reaped. */
  instanceId?: string;
  signal?: AbortSignal;
}

/** Everything composed: discovery's result, the upstream pool, the sandbox behind a lazily found engine. */
export interface Bridge {
  readonly engine: RunEngine;
  readonly discovery: DiscoveryResult;
  readonly pool: UpstreamPool;
  readonly limits: ContainerLimits;
  /** Where this project's memory and saved tools are kept. */
  readonly stateDir: string;
  /** This project's saved tools. */
  readonly skills: SkillStore;
  /** The `codexec.instance` label value of this bridge's containers. */
  readonly instanceId: string;
  /** The container engine, found on first use (and remembered once it answers). */
  containerEngine(options?: { signal?: AbortSignal }): Promise<SelectedEngine>;
  /**
   * Finds the engine now and logs which limits it can apply with cgroups, and how the others will hold (the first
   * container then logs what really holds). Never rejects: an engine that does not answer is left for the first run.
   */
  announceLimits(): Promise<void>;
  /** What the engine's info says it can apply with cgroups; undefined before the engine is found. */
  limitSupport(): LimitSupport | undefined;
  /** How the limits held in the last container started, as its runtime reported; undefined before one started. */
  limitsReport(): LimitsReport | undefined;
  /** What the console shows: upstream servers, sessions, the warm pool, runs in progress and recent ones. */
  consoleState(): ConsoleState;
  close(): Promise<void>;
}

function toUpstream(server: McpServerConfig): UpstreamServer {
  return {
    name: server.name,
    transport: server.transport,
    description: server.description,
    enabled: server.enabled,
  };
}

/** Reads discovery and starts nothing yet: upstreams start on first use, the engine is found on the first run. */
export async function createBridge(options: CreateBridgeOptions): Promise<Bridge> {
  const { settings, env, logger } = options;
  // A policy the bridge cannot read stops it here, before anything starts.
  const policy = policyFromSettings(settings);
  if (policy) logger.info(`tool policy: ${policy.summary()}`);
  const discovery = await discoverServers(settings, {
    env,
    logger: childLogger(logger, 'discovery'),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for (const d of discovery.diagnostics) {
    (d.severity === 'error' ? logger.warn : d.severity === 'warning' ? logger.info : logger.debug)(
      `config: ${d.message}`,
    );
  }

  const readFile = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const enabled = discovery.servers.filter((s) => s.enabled);
  const resolved = enabled.map((server) => {
    const r = resolveServer(server, { env, cwd: settings.cwd, home: settings.home, readFile });
    for (const d of r.diagnostics) logger.warn(`config: ${d.message}`);
    return r.server;
  });
  const catalog: CatalogEntry[] = catalogFrom(discovery);
  logger.info('servers discovered', { count: catalog.length, names: catalog.map((c) => c.name).join(',') });

  const limits = containerLimits(settings);
  const projectDir = settingsProjectDir(settings, env);
  const memoryStore: MemoryStore = createFileMemoryStore({
    dir: `${projectDir}/memory`,
    maxValueBytes: settings.memoryMaxValueBytes,
    maxTotalBytes: settings.memoryMaxTotalBytes,
  });
  const skillStore: SkillStore = createFileSkillStore({
    dir: `${projectDir}/skills`,
    logger: childLogger(logger, 'skills'),
  });
  logger.debug('project state', { dir: projectDir });
  const auditFile = auditFileOf(settings.auditLog, projectDir);
  const audit =
    auditFile === undefined
      ? undefined
      : new AuditLog({
          file: auditFile,
          maxBytes: settings.auditMaxBytes,
          logger: childLogger(logger, 'audit'),
        });
  /** The sandbox once a run made it (the pool's counts come from it). */
  let made: Sandbox | undefined;
  const telemetry = await createTelemetry({
    env,
    logger: childLogger(logger, 'telemetry'),
    version: VERSION,
    sessionsLive: () => connections.live(),
    poolCounts: () => made?.poolStatus(),
  });
  if (telemetry.enabled) logger.info('OpenTelemetry export on: runs and tool calls are traced');
  const pool = createUpstreamPool({
    servers: resolved.map(toUpstream),
    logger: childLogger(logger, 'upstream'),
    clientInfo: { name: PACKAGE_NAME, version: VERSION },
    maxConcurrency: settings.upstreamConcurrency,
  });

  // The console's recent runs start with those of the audit trail (earlier lives of the bridge included).
  const liveRuns = new LiveRuns(audit?.file, childLogger(logger, 'console'));
  const control = createCallControl({
    settings,
    pool,
    policy,
    audit,
    telemetry,
    logger,
    observer: liveRuns,
    persistent: settings.session === 'persistent',
  });

  const listeners = new Set<() => void>();
  /** Marks the saved tools that call a server stale (or current again) by that server's tools now. */
  const reviewSkills = async (server: string, tools: readonly ToolMeta[] | undefined): Promise<void> => {
    for (const record of await skillStore.list()) {
      if (!record.uses.some((use) => use.server === server)) continue;
      const reason = staleReason(record, server, tools);
      if (reason === record.staleBy?.[server]) continue;
      await skillStore.setStale(record.name, server, reason);
      if (reason) logger.warn(`saved tool ${record.name} may be out of date: ${reason}`);
      else logger.info(`saved tool ${record.name} is current again`, { server });
    }
  };
  const review = (server: string, tools: readonly ToolMeta[] | undefined): void => {
    reviewSkills(server, tools).catch((error: unknown) =>
      logger.warn('could not review the saved tools', { server, error: String(error) }),
    );
  };
  pool.on('toolsChanged', (event) => {
    logger.info('upstream tools changed', { server: event.server, tools: event.tools.length });
    review(event.server, event.tools as ToolMeta[]);
    for (const listener of listeners) listener();
  });
  // The pool itself warns about crashes and failed starts (through the logger given to it); this is the trace.
  pool.on('state', (event) =>
    logger.debug(`upstream ${event.server} ${event.state}`, { pid: event.pid, error: event.error?.message }),
  );
  pool.on('stderr', (event) => logger.debug(`upstream ${event.server} stderr: ${event.line}`));

  const instanceId = options.instanceId ? claimInstance(options.instanceId) : currentInstanceId();
  logger.info('sandbox containers carry a label', { label: `${LABEL_INSTANCE}=${instanceId}` });
  const supply = createSandboxSupply({ settings, limits, logger, instanceId });
  const { containerEngine, sandbox, announceLimits, limitsReport, holds } = supply;

  const known = new Set(catalog.map((c) => c.name));
  const reviewed = new Set<string>();
  const describe = async (name: string, signal?: AbortSignal): Promise<ServerMeta> => {
    const meta = await pool.metadata(name, signal ? { signal } : {});
    // The first time a server's tools are known, the saved tools that call it are checked against them.
    if (!reviewed.has(name)) {
      reviewed.add(name);
      review(name, meta.tools as ToolMeta[]);
    }
    const entry = catalog.find((c) => c.name === name);
    // What the policy refuses, the code does not see: not as a proxy, nor in any discovery helper.
    const tools = policy
      ? meta.tools.filter((tool) => !policy.refusal(name, tool.name, { annotations: tool.annotations }))
      : meta.tools;
    return toServerMeta(name, enabled.find((s) => s.name === name)?.description ?? entry?.summary, tools);
  };
  const renderOutcome = (outcome: RunOutcome): RunReport => {
    const { text, structured } = render(outcome, {
      mode: settings.outputMode,
      maxChars: settings.maxOutputChars,
    });
    return {
      status: outcome.status,
      text,
      structured: structured as unknown as Record<string, unknown>,
      isError: outcome.status !== 'success',
    };
  };

  const persistent = settings.session === 'persistent';
  const connections = new ConnectionSessions(logger);

  const run = async (args: RunArguments, runOptions: EngineRunOptions): Promise<RunReport> => {
    const observed = control.startRun(args, runOptions);
    try {
      const report = await runOnce(args, runOptions, observed);
      observed.end(report);
      return report;
    } catch (error) {
      observed.failed(error);
      throw error;
    }
  };

  const runOnce = async (
    args: RunArguments,
    runOptions: EngineRunOptions,
    observed: ObservedRun,
  ): Promise<RunReport> => {
    const started = Date.now();
    const { signal } = runOptions;
    const base = { servers: args.servers, timeoutSeconds: Math.round(args.timeoutMs / 1000) };
    const failed = (type: string, message: string): RunReport =>
      renderOutcome({ ...base, status: 'error', error: { type, message }, durationMs: Date.now() - started });

    let metas: ServerMeta[];
    try {
      metas = await Promise.all(args.servers.map((name) => describe(name, signal)));
    } catch (error) {
      if (signal.aborted)
        return renderOutcome({ ...base, status: 'cancelled', durationMs: Date.now() - started });
      return failed('UpstreamError', `An MCP server could not be loaded: ${messageOf(error)}`);
    }
    let box: Sandbox;
    try {
      box = await sandbox();
      made = box;
    } catch (error) {
      return failed('SandboxUnavailable', inBridgeTerms(messageOf(error)));
    }

    const toolHost: ToolHost = {
      callTool: async (server, tool, callArgs, callOptions) => {
        if (!known.has(server)) throw unknownServer(server, known);
        return (await observed.callTool(server, tool, callArgs, callOptions)) as ToolCallResult;
      },
      listServers: async () =>
        catalog.map((c) => ({ name: c.name, ...(c.summary ? { description: c.summary } : {}) })),
      describeServer: async (server, { signal: callSignal }) =>
        known.has(server) ? describe(server, callSignal) : undefined,
      queryTools: async (server, { signal: callSignal, tool, detail }) => {
        if (!known.has(server)) throw unknownServer(server, known);
        return queryToolDocs(await describe(server, callSignal), tool, detail);
      },
      searchTools: async (query, { signal: callSignal, limit, detail }) => {
        // Searching means knowing every server's tools: servers that cannot start are left out of the answer.
        const all = await Promise.all(
          catalog.map((c) => describe(c.name, callSignal).catch(() => undefined)),
        );
        return searchToolDocs(
          all.filter((m): m is ServerMeta => m !== undefined),
          query,
          limit,
          detail,
        );
      },
    };

    const request = {
      code: args.code,
      servers: metas,
      discovered: catalog.map((c) => c.name),
      toolHost,
      memoryStore,
      skillStore,
      timeoutMs: args.timeoutMs,
      signal,
    };
    if (!persistent) {
      const { session: _none, attachments, ...result }: RunResult = await box.run(request);
      if (result.error) result.error = { ...result.error, message: inBridgeTerms(result.error.message) };
      return withAttachments(renderOutcome({ ...base, ...result, ...listed(attachments) }), attachments);
    }
    const name = args.session ?? DEFAULT_SESSION;
    const session = connections.sessionFor(box, runOptions.connection, name);
    if (args.reset) await session.reset();
    const { session: place, attachments, ...result }: RunResult = await session.run(request);
    if (result.error) result.error = { ...result.error, message: inBridgeTerms(result.error.message) };
    const report = renderOutcome({
      ...base,
      ...result,
      ...listed(attachments),
      ...(place
        ? {
            session: {
              name,
              run: place.run,
              state: place.state,
              ...(place.reason ? { reason: place.reason } : {}),
              ...(place.lost ? { lost: place.lost } : {}),
            },
          }
        : {}),
    });
    return withAttachments(report, attachments);
  };

  // A saved tool whose server is no longer configured is stale from the start; the others are checked when their
  // servers' tools are first known (above).
  void (async () => {
    const gone = new Set<string>();
    for (const record of await skillStore.list()) {
      for (const use of record.uses) if (!known.has(use.server)) gone.add(use.server);
    }
    for (const server of gone) await reviewSkills(server, undefined);
  })().catch((error: unknown) => logger.warn('could not review the saved tools', { error: String(error) }));

  const engine: RunEngine = {
    catalog: () => catalog,
    outputSchema: advertisedOutputSchema,
    run,
    rejected: (problems) =>
      renderOutcome({ status: 'validation_error', message: problems.map((p) => `- ${p}`).join('\n') }),
    sessions: persistent,
    limitHolds: holds,
    closeConnection: (connection) => connections.close(connection),
    savedTools: async () => (await skillStore.list()).map(skillSummary),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  let closing: Promise<void> | undefined;
  return {
    engine,
    discovery,
    pool,
    limits,
    stateDir: projectDir,
    skills: skillStore,
    instanceId,
    containerEngine,
    announceLimits,
    limitSupport: supply.limitSupport,
    limitsReport,
    consoleState: () =>
      consoleStateOf({ version: VERSION, pool, sessions: connections, sandbox: made, runs: liveRuns }),
    close: () => {
      closing ??= (async () => {
        await connections.closeAll();
        const box = await supply.made()?.catch(() => undefined);
        await Promise.allSettled([box?.close(), pool.close()]);
        await Promise.allSettled([audit?.close(), telemetry.shutdown()]);
      })();
      return closing;
    },
  };
}

/** The sandbox passes the `code` on to the Python side as `MCPError.code`. */
function unknownServer(name: string, known: Set<string>): Error {
  return Object.assign(new Error(`Unknown MCP server "${name}"; known: ${[...known].join(', ') || 'none'}`), {
    code: 'UNKNOWN_SERVER',
  });
}
