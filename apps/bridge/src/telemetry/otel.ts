/** Telemetry over the OpenTelemetry SDK: loaded only when the environment asks for it (see telemetry.ts). */
import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CallTrace, RunTrace, Telemetry, TelemetryOptions } from './telemetry.js';

const SCOPE = 'code-exec-bridge';

export function createOtelTelemetry(options: TelemetryOptions): Telemetry {
  const { env, logger, version } = options;
  // Export failures (an endpoint that is down) are said once a minute, never thrown.
  let lastWarning = 0;
  setGlobalErrorHandler((error) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn('OpenTelemetry export failed; spans and metrics may be lost until the endpoint answers', {
      error: String(error instanceof Error ? error.message : error),
    });
  });
  const resource = resourceFromAttributes({
    'service.name': env.OTEL_SERVICE_NAME?.trim() || SCOPE,
    'service.version': version,
  });
  const tracing = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() !== 'none';
  const metering = env.OTEL_METRICS_EXPORTER?.trim().toLowerCase() !== 'none';
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: tracing ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: metering
      ? [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter(),
            exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000,
          }),
        ]
      : [],
  });
  const tracer = tracerProvider.getTracer(SCOPE, version);
  const meter = meterProvider.getMeter(SCOPE, version);
  const propagator = new W3CTraceContextPropagator();

  const runs = meter.createCounter('codexec.runs', { description: 'Runs of run_python, by status' });
  const runDuration = meter.createHistogram('codexec.run.duration', {
    description: 'Duration of runs of run_python',
    unit: 'ms',
  });
  const toolCalls = meter.createCounter('codexec.tool_calls', {
    description: 'Tool calls made by code, by server and outcome (errors and refusals included)',
  });
  const callDuration = meter.createHistogram('codexec.tool_call.duration', {
    description: 'Duration of tool calls made by code',
    unit: 'ms',
  });
  meter
    .createObservableGauge('codexec.sessions.live', { description: 'Sessions holding a container' })
    .addCallback((result) => result.observe(options.sessionsLive()));
  meter
    .createObservableCounter('codexec.pool.hits', {
      description: 'Runs that got a warm container from the pool',
    })
    .addCallback((result) => result.observe(options.poolCounts()?.served ?? 0));
  meter
    .createObservableCounter('codexec.pool.misses', {
      description: 'Runs that started their own container (no pool, or the pool could not help)',
    })
    .addCallback((result) => result.observe(options.poolCounts()?.cold ?? 0));

  const traceparentOf = (context: Context): string | undefined => {
    const carrier: Record<string, string> = {};
    propagator.inject(context, carrier, defaultTextMapSetter);
    return carrier.traceparent;
  };

  const finish = (span: Span, outcome: string, ok: boolean, attributes: Attributes, error?: string) => {
    span.setAttributes({ ...attributes, 'codexec.outcome': outcome });
    span.setStatus(
      ok ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR, message: error ?? outcome },
    );
    span.end();
  };

  return {
    enabled: true,
    run(start): RunTrace {
      const started = performance.now();
      const parent = start.meta
        ? propagator.extract(ROOT_CONTEXT, start.meta, defaultTextMapGetter)
        : ROOT_CONTEXT;
      const runSpan = tracer.startSpan(
        'tools/call run_python',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'mcp.method.name': 'tools/call',
            'gen_ai.tool.name': 'run_python',
            'codexec.run.id': start.run,
            'codexec.servers': [...start.servers],
            ...(start.session ? { 'codexec.session': start.session } : {}),
          },
        },
        parent,
      );
      const runContext = trace.setSpan(parent, runSpan);
      return {
        call(server, tool): CallTrace {
          const callStarted = performance.now();
          const span = tracer.startSpan(
            `tools/call ${tool}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                'mcp.method.name': 'tools/call',
                'gen_ai.tool.name': tool,
                'codexec.server': server,
              },
            },
            runContext,
          );
          return {
            traceparent: traceparentOf(trace.setSpan(runContext, span)),
            end(outcome, attributes = {}) {
              const ok = outcome === 'ok' || outcome === 'tool_error';
              finish(
                span,
                outcome,
                ok,
                attributes.resultBytes === undefined
                  ? {}
                  : { 'codexec.result.bytes': attributes.resultBytes },
                attributes.error,
              );
              toolCalls.add(1, { 'codexec.server': server, 'codexec.outcome': outcome });
              callDuration.record(performance.now() - callStarted, { 'codexec.server': server });
            },
          };
        },
        end(status, attributes) {
          finish(
            runSpan,
            status,
            status === 'success',
            { 'codexec.calls': attributes.calls },
            attributes.error,
          );
          runs.add(1, { 'codexec.status': status });
          runDuration.record(performance.now() - started, { 'codexec.status': status });
        },
      };
    },
    async shutdown() {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
