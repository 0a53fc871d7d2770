import { describeEndpoint, type LimitSupport, limitSupport } from '@codexec/container-runtime';
import type { LimitsReport } from '@codexec/frame-protocol';
import { messageOf } from '@codexec/internal';
import { describeLimits } from '@codexec/sandbox';
import pLimit from 'p-limit';
import { createBridge } from '../../composition.js';
import type { SelectedEngine } from '../../container-engine.js';
import { formatDuration } from '../../duration.js';
import type { CatalogEntry } from '../../engine.js';
import { silentLogger } from '../../logger.js';
import { inBridgeTerms, type Settings } from '../../settings.js';
import { type Check, formatChecklist } from '../checklist.js';
import { EXIT_FAILURE, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';
import { createProgress } from '../progress.js';
import { tildePath } from '../table.js';

const HELLO = 'import sys\nprint("hello from the sandbox")\nsys.version.split()[0]';

/**
 * `doctor`: the engine, the OCI runtime, the image, a hello-world run and every upstream, as a checklist with a
 * fix for each problem. Exit 1 when a check fails.
 */
export async function doctorCommand({ io, settings, logger }: CommandContext): Promise<number> {
  const progress = createProgress(io.stderr);
  const checks: Check[] = [];
  const timed = async <T>(
    what: string,
    work: () => Promise<T>,
  ): Promise<{ value?: T; error?: unknown; ms: number }> => {
    progress.update(what);
    const started = performance.now();
    try {
      const value = await work();
      return { value, ms: performance.now() - started };
    } catch (error) {
      return { error, ms: performance.now() - started };
    }
  };

  progress.update('reading MCP configs');
  // The bridge's own chatter would tear the progress line; problems show up in the checklist instead.
  // No warm pool: the timed hello-world run measures a real container start.
  const bridge = await createBridge({
    settings: { ...settings, poolSize: 0 },
    env: io.env,
    logger: silentLogger,
    signal: io.signal,
  });
  try {
    const { discovery } = bridge;
    const files = discovery.sources.filter((s) => s.status === 'found').length;
    const problems = discovery.diagnostics.filter((d) => d.severity !== 'info');
    checks.push({
      name: 'MCP configs',
      status: problems.length ? 'warn' : 'ok',
      detail: `${discovery.servers.length} servers from ${files} file${files === 1 ? '' : 's'}${
        problems.length ? `, ${problems.length} problem${problems.length > 1 ? 's' : ''}` : ''
      }`,
      fix: problems.length ? `${problems[0]!.message}\nsee code-exec-bridge discover for all` : undefined,
    });

    const engine = await timed('asking the container engine', () =>
      bridge.containerEngine({ signal: io.signal }),
    );
    const found = engine.value as SelectedEngine | undefined;
    if (!found) {
      checks.push({
        name: 'container engine',
        status: 'fail',
        detail: `none answers (${settings.runtime === 'auto' ? 'tried podman and docker' : settings.runtime}${
          settings.engineHost || settings.engineConnection
            ? ` at ${settings.engineHost ?? settings.engineConnection}`
            : ''
        })`,
        fix: bridgeMessageOf(engine.error),
        durationMs: engine.ms,
      });
    } else {
      const { info, runtime } = found;
      checks.push({
        name: 'container engine',
        status: 'ok',
        detail:
          info.engine === 'kubernetes'
            ? `kubernetes ${info.version}, pods run as non-root${engineWhere(found)}`
            : `${info.engine} ${info.version}, ${info.rootless ? 'rootless' : 'rootful'} (${info.command})${engineWhere(found)}`,
        durationMs: engine.ms,
      });
      checks.push(framesCheck(found, settings.directChannel));
      const diagnose = runtime.diagnose?.bind(runtime);
      if (diagnose) {
        const diagnosed = await timed(`asking ${info.engine} what this user may do`, () =>
          diagnose({ signal: io.signal }),
        );
        checks.push(
          ...(diagnosed.value?.map((check) => ({
            ...check,
            detail: inBridgeTerms(check.detail),
            fix: check.fix === undefined ? undefined : inBridgeTerms(check.fix),
          })) ?? [
            { name: 'permissions', status: 'fail' as const, detail: bridgeMessageOf(diagnosed.error) },
          ]),
        );
      }
      checks.push(ociCheck(bridge.limits.ociRuntime, info.ociRuntimes, info.defaultOciRuntime, info.engine));

      const image = await timed(`looking for ${settings.image}`, () =>
        runtime.imageExists(settings.image, { signal: io.signal }),
      );
      const present = image.value === true;
      checks.push({
        name: 'image',
        status: present ? 'ok' : 'fail',
        detail: present
          ? info.engine === 'kubernetes'
            ? `${settings.image}: the cluster's nodes pull it as a pod starts (not seen from here; the run below tries it)`
            : `${settings.image} present`
          : image.error
            ? bridgeMessageOf(image.error)
            : `${settings.image} is not present`,
        durationMs: image.ms,
        fix: present
          ? undefined
          : `code-exec-bridge image pull   (or: ${info.engine} pull ${settings.image})`,
      });

      if (!present) {
        checks.push({ name: 'hello-world run', status: 'skip', detail: 'needs the image' });
      } else {
        const hello = await timed('running hello-world in the sandbox', () =>
          bridge.engine.run(
            { code: HELLO, servers: [], timeoutMs: Math.max(settings.timeoutMs, 60_000) },
            { signal: io.signal, connection: 'doctor' },
          ),
        );
        const report = hello.value;
        const ok =
          report?.status === 'success' &&
          JSON.stringify(report.structured).includes('hello from the sandbox');
        const python =
          typeof report?.structured.value === 'string' ? ` (Python ${report.structured.value})` : '';
        checks.push({
          name: 'hello-world run',
          status: ok ? 'ok' : 'fail',
          detail: ok
            ? `printed hello${python}`
            : report
              ? `status ${report.status}`
              : bridgeMessageOf(hello.error),
          durationMs: hello.ms,
          fix: ok
            ? undefined
            : `${report ? summaryOf(report.structured) : ''}\ncheck that the image has python3, and the limits (MCP_BRIDGE_MEMORY, MCP_BRIDGE_PIDS)`.trim(),
        });
        checks.push(
          ...limitChecks(
            bridge.limitsReport(),
            limitSupport(info),
            settings.requireLimits,
            settings.timeoutMs,
          ),
        );
      }
    }

    const catalog = bridge.engine.catalog();
    if (catalog.length === 0) {
      checks.push({
        name: 'upstream servers',
        status: 'warn',
        detail: 'none configured',
        fix: 'add MCP servers to a client config (code-exec-bridge discover shows where the bridge looks)',
      });
    }
    const limit = pLimit(4);
    let done = 0;
    const upstreamChecks = await Promise.all(
      catalog.map((entry) =>
        limit(async () => {
          const result = await timed(`starting upstream servers (${done}/${catalog.length})`, () =>
            bridge.pool.metadata(entry.name, { signal: io.signal }),
          );
          done += 1;
          progress.update(`starting upstream servers (${done}/${catalog.length})`);
          return upstreamCheck(
            entry,
            result,
            bridge.pool.status().find((s) => s.name === entry.name)?.stderrTail ?? [],
            settings.home,
          );
        }),
      ),
    );
    checks.push(...upstreamChecks);
  } finally {
    progress.stop();
    await bridge.close();
  }
  logger.debug('doctor finished', { checks: checks.length });
  io.stdout.write(formatChecklist(checks));
  return checks.some((c) => c.status === 'fail') ? EXIT_FAILURE : EXIT_OK;
}

/** Where a remote engine was reached, for the engine's line: ` at tcp://… (remote, DOCKER_HOST)`. Pure. */
export function engineWhere({ info, runtime }: SelectedEngine): string {
  if (!info.remote && !runtime.endpoint.remote) return '';
  const address = info.address ?? runtime.endpoint.value;
  const source = runtime.endpoint.source === 'default' ? 'its configuration' : runtime.endpoint.source;
  return address
    ? ` at ${address} (remote, from ${source})`
    : ` (remote: ${describeEndpoint(runtime.endpoint)})`;
}

/** How frames reach the code: the direct channel where the engine can pass a socket, else its stdio, and why. */
export function framesCheck({ info, runtime }: SelectedEngine, directChannel: boolean | 'auto'): Check {
  if (directChannel !== false && runtime.passesDescriptors) {
    return {
      name: 'frames',
      status: 'ok',
      detail: 'over a socket passed into each container (direct channel)',
    };
  }
  const why =
    directChannel === false
      ? 'MCP_BRIDGE_DIRECT_CHANNEL is off'
      : info.remote || runtime.endpoint.remote
        ? 'the engine is remote: no socket of this machine reaches its containers'
        : `${info.engine} cannot pass a socket into a container`;
  return { name: 'frames', status: 'ok', detail: `over the engine's stdio (${why})` };
}

function ociCheck(
  chosen: string | undefined,
  available: string[],
  fallback: string | undefined,
  engine: string,
): Check {
  if (!chosen) {
    return {
      name: 'OCI runtime',
      status: 'ok',
      detail: `${fallback ?? 'engine default'} (the engine's default)`,
    };
  }
  if (available.length && !available.includes(chosen)) {
    return {
      name: 'OCI runtime',
      status: 'fail',
      detail: `${chosen} is not known to ${engine} (it has ${available.join(', ')})`,
      fix: `install ${chosen} and register it with ${engine}, or unset MCP_BRIDGE_OCI_RUNTIME`,
    };
  }
  return { name: 'OCI runtime', status: 'ok', detail: `${chosen} (MCP_BRIDGE_OCI_RUNTIME)` };
}

function upstreamCheck(
  entry: CatalogEntry,
  result: { value?: { tools: unknown[] }; error?: unknown; ms: number },
  stderrTail: string[],
  home: string,
): Check {
  const where = `${tildePath(entry.source.file, home)}${entry.source.line ? `:${entry.source.line}` : ''}`;
  if (result.value) {
    const n = result.value.tools.length;
    return {
      name: `upstream ${entry.name}`,
      status: 'ok',
      detail: `${n} tool${n === 1 ? '' : 's'}`,
      durationMs: result.ms,
    };
  }
  const tail = stderrTail.slice(-3).map((l) => `  stderr: ${l}`);
  return {
    name: `upstream ${entry.name}`,
    status: 'fail',
    detail: bridgeMessageOf(result.error).split('\n')[0]!,
    durationMs: result.ms,
    fix: [`check its entry in ${where} (${entry.summary ?? entry.transport})`, ...tail].join('\n'),
  };
}

function summaryOf(structured: Record<string, unknown>): string {
  const { summary, error } = structured;
  // The summary of an error already quotes it (`Sandbox error: <error>`).
  if (typeof summary === 'string' && typeof error === 'string' && summary.includes(error)) return summary;
  return [summary, error].filter((x) => typeof x === 'string').join(': ');
}

const LIMIT_CHECK_NAMES: Record<string, string> = {
  memory: 'memory limit',
  pids: 'process limit',
  cpus: 'CPU limit',
  fileSize: 'file size limit',
};

/**
 * One check per container limit, as the hello-world container's runtime found it held: by cgroups (ok), by the
 * runtime's rlimit fallback (a warning: per process, weaker), or not at all (a warning, or a failure when
 * MCP_BRIDGE_REQUIRE_LIMITS asks for it); the fix comes from what the engine's info says. Pure.
 */
export function limitChecks(
  report: LimitsReport | undefined,
  support: LimitSupport,
  required: Settings['requireLimits'],
  timeoutMs: number,
): Check[] {
  if (!report) {
    return [
      {
        name: 'limits',
        status: required === 'off' ? 'warn' : 'fail',
        detail: 'the container did not report which limits hold (the hello-world run did not start one)',
      },
    ];
  }
  const fix =
    support.fix ??
    'run the engine where it can apply cgroup limits (rootful, or rootless on cgroups v2 with delegation)';
  let fixShown = false;
  const checks: Check[] = describeLimits(report).map((line) => {
    const held = line.enforcedBy === 'cgroup' || line.name === 'fileSize';
    const refused = (required === 'on' && line.enforcedBy === 'none') || (required === 'cgroup' && !held);
    // The engine's fix is the same for every limit it cannot apply: it is said once.
    const withFix = !held && !fixShown;
    if (!held) fixShown = true;
    return {
      name: LIMIT_CHECK_NAMES[line.name] ?? line.label,
      status: held ? 'ok' : refused ? 'fail' : 'warn',
      detail: `${line.requested}: ${line.text}`,
      ...(withFix
        ? { fix: refused ? `${fix}\nruns are refused meanwhile (MCP_BRIDGE_REQUIRE_LIMITS)` : fix }
        : {}),
    };
  });
  checks.push({
    name: 'time limit',
    status: 'ok',
    detail: `${formatDuration(timeoutMs)} by default: enforced by the bridge, which interrupts the code and removes its container`,
  });
  return checks;
}

/** An error's message in the bridge's terms (the variables that set the options it names). */
function bridgeMessageOf(error: unknown): string {
  return inBridgeTerms(messageOf(error));
}
