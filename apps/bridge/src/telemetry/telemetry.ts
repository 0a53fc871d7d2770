/**
 * Traces and metrics of runs and tool calls. Off unless the standard `OTEL_*` variables name an OTLP endpoint: then
 * the OpenTelemetry SDK is loaded (`otel.ts`) and exports over OTLP/HTTP (JSON). Off, nothing of it is loaded, and
 * every hook here is a no-op, so idle memory and start-up stay as they are.
 */
import type { Logger } from '../logger.js';

/** One tool call's span. */
export interface CallTrace {
  /** The W3C `traceparent` of the call's span, for the upstream request's `_meta`. */
  readonly traceparent: string | undefined;
  end(outcome: string, attributes?: { resultBytes?: number | undefined; error?: string | undefined }): void;
}

/** One run's span, parent of its calls' spans. */
export interface RunTrace {
  call(server: string, tool: string): CallTrace;
  end(status: string, attributes: { calls: number; error?: string | undefined }): void;
}

export interface RunStart {
  run: string;
  servers: readonly string[];
  session: string | undefined;
  /** The client request's `_meta`: a `traceparent` there makes the run's span a child of the client's. */
  meta: Record<string, unknown> | undefined;
}

export interface Telemetry {
  readonly enabled: boolean;
  run(start: RunStart): RunTrace;
  /** Exports what is pending and stops. */
  shutdown(): Promise<void>;
}

const NO_CALL: CallTrace = { traceparent: undefined, end() {} };
const NO_RUN: RunTrace = { call: () => NO_CALL, end() {} };

export const NO_TELEMETRY: Telemetry = {
  enabled: false,
  run: () => NO_RUN,
  shutdown: async () => {},
};

const ENDPOINT_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
];

/** Whether the environment asks for OpenTelemetry export (an OTLP endpoint, and the SDK not disabled). Pure. */
export function telemetryWanted(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return ENDPOINT_VARIABLES.some((name) => Boolean(env[name]?.trim()));
}

export interface TelemetryOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  version: string;
  /** Sessions holding a container now, for the `codexec.sessions.live` gauge. */
  sessionsLive: () => number;
  /** Runs served by a warm container and runs that started their own, so far; undefined before the first run. */
  poolCounts: () => { served: number; cold: number } | undefined;
}

/** The telemetry the environment asks for: OpenTelemetry, loaded now, or none. Never throws. */
export async function createTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (!telemetryWanted(options.env)) return NO_TELEMETRY;
  try {
    const { createOtelTelemetry } = await import('./otel.js');
    return createOtelTelemetry(options);
  } catch (error) {
    options.logger.warn('OpenTelemetry could not start; runs are not traced', { error: String(error) });
    return NO_TELEMETRY;
  }
}
