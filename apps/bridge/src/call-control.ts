/**
 * What stands between the code's tool calls and the upstream servers: the tool policy, the user's approval, the
 * audit trail and the traces. One run at a time: `startRun` gives the run's own view (its call count, its calls in
 * flight, its span), whose `callTool` every call of the run goes through.
 */
import { randomUUID } from 'node:crypto';
import { messageOf } from '@codexec/internal';
import type { ToolCallOptions } from '@codexec/sandbox';
import type { CallToolResult, UpstreamPool } from '@codexec/upstream-pool';
import { needsApproval } from './approval.js';
import { type AuditLog, type CallOutcome, digest, redacted } from './audit/audit-log.js';
import type { RunObserver } from './console/live-runs.js';
import type { ApprovalOutcome, EngineRunOptions, RunReport } from './engine.js';
import type { Logger } from './logger.js';
import type { Policy, Refusal, RunGuard } from './policy/policy.js';
import { DEFAULT_SESSION, type RunArguments } from './run-arguments.js';
import type { Settings } from './settings.js';
import type { RunTrace, Telemetry } from './telemetry/telemetry.js';

export interface CallControlOptions {
  settings: Pick<Settings, 'approval' | 'auditArguments'>;
  pool: UpstreamPool;
  policy: Policy | undefined;
  audit: AuditLog | undefined;
  telemetry: Telemetry;
  logger: Logger;
  /** Whether runs belong to sessions (a run's session is then named in its records). */
  persistent: boolean;
  /** Told of runs and calls as they happen (the console). */
  observer?: RunObserver | undefined;
}

/** One run as the controls see it. */
export interface ObservedRun {
  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: ToolCallOptions,
  ): Promise<CallToolResult>;
  /** The run ended with this report: its line in the audit trail, the end of its span. */
  end(report: RunReport): void;
  /** The run failed before it had a report. */
  failed(error: unknown): void;
}

/** How a tool call ended, for its audit line and its span. */
interface CallEnd {
  outcome: CallOutcome;
  policy?: string;
  result?: unknown;
  error?: string;
  approval?: string;
}

export function createCallControl(options: CallControlOptions) {
  const { settings, pool, policy, audit, telemetry, logger, observer } = options;

  type Annotations = () => Promise<Record<string, unknown> | undefined>;

  /** Why the policy refuses this call now, or undefined; a call let through is counted. */
  const refusal = async (
    active: Policy,
    server: string,
    tool: string,
    guard: RunGuard,
    annotationsOf: Annotations,
  ): Promise<Refusal | undefined> => {
    const annotations = active.needsAnnotations ? await annotationsOf() : undefined;
    return (
      active.refusal(server, tool, { annotations }) ??
      guard.full() ??
      active.takeRate(server) ??
      guard.count()
    );
  };

  /**
   * The user's answer when the call needs approval (undefined when it does not): asked through the client, with the
   * run's and the call's clocks stopped meanwhile.
   */
  const askApproval = async (
    server: string,
    tool: string,
    args: Record<string, unknown>,
    session: string | undefined,
    runOptions: EngineRunOptions,
    callOptions: ToolCallOptions,
    annotationsOf: Annotations,
  ): Promise<ApprovalOutcome | undefined> => {
    if (!needsApproval(settings.approval, await annotationsOf())) return undefined;
    if (!runOptions.approve) return 'unavailable';
    return callOptions.pauseDeadlines(
      runOptions.approve({ server, tool, arguments: args, session }, callOptions.signal),
    );
  };

  return {
    startRun(args: RunArguments, runOptions: EngineRunOptions): ObservedRun {
      const run = `r${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const started = Date.now();
      const session = options.persistent ? (args.session ?? DEFAULT_SESSION) : undefined;
      const traced: RunTrace = telemetry.run({ run, servers: args.servers, session, meta: runOptions.meta });
      // This run's share of the policy (its count of calls, its calls in flight); none without a policy.
      const guard = policy?.forRun();
      observer?.runStarted({ run, servers: args.servers, session });

      const finishRun = (status: string, calls: number, error: string | undefined) => {
        traced.end(status, { calls, error });
        observer?.runEnded(run, status);
        if (!audit) return;
        const code = digest(args.code);
        audit.write({
          type: 'run',
          time: new Date(started).toISOString(),
          run,
          session,
          servers: args.servers,
          codeBytes: code.bytes,
          codeHash: code.hash,
          status,
          durationMs: Date.now() - started,
          calls,
          error: error?.slice(0, 500),
        });
      };

      return {
        async callTool(server, tool, callArgs, callOptions) {
          const callStarted = Date.now();
          const span = traced.call(server, tool);
          const live = observer?.callStarted(run, { server, tool });
          // The tool's annotations, looked up once for the policy and the approval that both may need them.
          let annotated: Promise<Record<string, unknown> | undefined> | undefined;
          const annotationsOf: Annotations = () =>
            (annotated ??= pool
              .metadata(server, { signal: callOptions.signal })
              .then((meta) => meta.tools.find((t) => t.name === tool)?.annotations));
          /** The call's line in the audit trail and the end of its span. */
          const finish = (end: CallEnd): void => {
            observer?.callEnded(live, end.outcome);
            const durationMs = Date.now() - callStarted;
            // The span needs the result's size now; the audit record is built once the answer is on its way.
            const traced = telemetry.enabled && end.result !== undefined ? digest(end.result) : undefined;
            span.end(end.outcome, {
              resultBytes: traced?.bytes,
              error: end.error ?? (end.outcome === 'denied' ? end.policy : undefined),
            });
            audit?.writeLater(() => {
              const argsDigest = digest(callArgs);
              const result = traced ?? (end.result !== undefined ? digest(end.result) : undefined);
              return {
                type: 'call',
                time: new Date(callStarted).toISOString(),
                run,
                session,
                server,
                tool,
                argumentsBytes: argsDigest.bytes,
                argumentsHash: argsDigest.hash,
                ...(settings.auditArguments ? { arguments: redacted(callArgs) } : {}),
                resultBytes: result?.bytes,
                resultHash: result?.hash,
                durationMs,
                outcome: end.outcome,
                policy: end.policy ?? 'allowed',
                approval: end.approval ?? 'none',
                error: end.error?.slice(0, 500),
              };
            });
          };
          if (policy && guard) {
            const refused = await refusal(policy, server, tool, guard, annotationsOf);
            if (refused) {
              logger.info(`tool call refused by the policy: ${server}.${tool}`, { rule: refused.rule });
              finish({ outcome: 'denied', policy: refused.rule });
              throw deniedCall(refused);
            }
          }
          let approval = 'none';
          if (settings.approval !== 'never') {
            const outcome = await askApproval(
              server,
              tool,
              callArgs,
              session,
              runOptions,
              callOptions,
              annotationsOf,
            );
            if (outcome) {
              approval = outcome;
              if (!outcome.startsWith('allowed')) {
                const refused = approvalRefusal(server, tool, outcome, settings.approval);
                logger.info(`tool call not approved: ${server}.${tool}`, { outcome });
                finish({ outcome: 'denied', policy: refused.rule, approval });
                throw deniedCall(refused);
              }
            }
          }
          // The call's span goes upstream as the request's `_meta.traceparent`, so a server that traces joins it.
          const upstreamOptions = span.traceparent
            ? { ...callOptions, meta: { traceparent: span.traceparent } }
            : callOptions;
          let ok = false;
          try {
            const call = () => pool.callTool(server, tool, callArgs, upstreamOptions);
            const result = await (guard ? guard.slot(call, callOptions.signal) : call());
            ok = !result.isError;
            finish({ outcome: ok ? 'ok' : 'tool_error', result, approval });
            return result;
          } catch (error) {
            finish({ outcome: 'error', error: messageOf(error), approval });
            throw error;
          } finally {
            runOptions.onToolCall?.({ server, tool, ok, durationMs: Date.now() - callStarted });
          }
        },
        end(report) {
          const { calls, error } = report.structured;
          finishRun(
            report.status,
            typeof calls === 'number' ? calls : 0,
            typeof error === 'string' ? error : undefined,
          );
        },
        failed(error) {
          finishRun('error', 0, messageOf(error));
        },
      };
    },
  };
}

/** Why a call that needed approval does not go ahead, in the code's `ToolCallDenied`. */
function approvalRefusal(server: string, tool: string, outcome: ApprovalOutcome, mode: string): Refusal {
  const name = `${server}.${tool}`;
  if (outcome === 'unavailable') {
    return {
      rule: 'approval unavailable',
      message:
        `${name} needs the user's approval (MCP_BRIDGE_APPROVAL=${mode}), and this client cannot be asked (it does ` +
        'not support MCP elicitation): use a client that does, allow the tool in a policy and set ' +
        'MCP_BRIDGE_APPROVAL=never, or leave the tool out of the run',
    };
  }
  const why = outcome === 'timed out' ? 'no answer came in time' : `the user ${outcome} it`;
  return { rule: `approval ${outcome}`, message: `${name} was not approved: ${why}` };
}

/** The code gets `ToolCallDenied`, with the rule in `rule`. */
function deniedCall(refused: Refusal): Error {
  return Object.assign(new Error(`Tool call denied: ${refused.message}`), {
    code: 'DENIED',
    data: { rule: refused.rule },
  });
}
