import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectStdio,
  createFixture,
  distStatus,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  structuredOf,
  until,
} from './harness.js';

// Traces and metrics over OTLP/HTTP, received by a local stand-in of a collector that keeps what it is sent: the
// run's span joins the client's trace, each tool call is its child, and the upstream gets the call's traceparent.

interface OtlpAttribute {
  key: string;
  value: {
    stringValue?: string;
    intValue?: string | number;
    arrayValue?: { values: { stringValue?: string }[] };
  };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  status?: { code?: number };
}

function attributes(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(
    span.attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue === undefined ? undefined : Number(value.intValue)) ??
        value.arrayValue?.values.map((v) => v.stringValue),
    ]),
  );
}

/** A collector stand-in: accepts OTLP/HTTP JSON on /v1/traces and /v1/metrics, and keeps it. */
async function collector(): Promise<{
  url: string;
  spans: OtlpSpan[];
  metricNames: Set<string>;
  close(): Promise<void>;
}> {
  const spans: OtlpSpan[] = [];
  const metricNames = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      if (request.url === '/v1/traces') {
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
        }
      } else if (request.url === '/v1/metrics') {
        for (const resource of body.resourceMetrics ?? []) {
          for (const scope of resource.scopeMetrics ?? []) {
            for (const metric of scope.metrics ?? []) metricNames.add(metric.name);
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metricNames,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

for (const engine of ['podman', 'docker'] as const) {
  const skip = shouldSkip(distStatus(), await engineStatus(engine));

  describe.skipIf(skip)(`OpenTelemetry traces and metrics, on ${engine}`, { timeout: LONG }, () => {
    let fixture: Fixture;
    let received: Awaited<ReturnType<typeof collector>>;
    let traced: StdioSession;
    let unreachable: StdioSession;

    beforeAll(async () => {
      fixture = await createFixture();
      received = await collector();
      const common = {
        MCP_BRIDGE_POOL_SIZE: '0',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '300',
        OTEL_SERVICE_NAME: 'codexec-e2e',
      };
      [traced, unreachable] = await Promise.all([
        connectStdio(fixture, engine, { env: { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: received.url } }),
        // Nothing listens on port 9 of the loopback: every export fails.
        connectStdio(fixture, engine, {
          env: { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
        }),
      ]);
    }, LONG);

    afterAll(async () => {
      await Promise.all([traced?.close(), unreachable?.close()]);
      await received?.close();
      await fixture?.cleanup();
    }, LONG);

    it("traces a run under the client's span, each call under the run, and sends the call's traceparent upstream", async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const clientSpan = '00f067aa0ba902b7';
      const result = structuredOf(
        await traced.client.callTool(
          {
            name: 'run_python',
            arguments: {
              code: 'await mcp_test.echo(message="hi")\n(await mcp_test.request_meta())',
              servers: ['test'],
            },
            _meta: { traceparent: `00-${traceId}-${clientSpan}-01` },
          },
          undefined,
          { timeout: LONG },
        ),
      );
      expect(result.status, JSON.stringify(result)).toBe('success');
      const upstream = (result.value as { traceparent?: string }).traceparent ?? '';
      expect(upstream).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

      const spans = await until('the spans of the run', () => {
        const mine = received.spans.filter((span) => span.traceId === traceId);
        return mine.length >= 3 ? mine : undefined;
      });
      const run = spans.find((span) => span.name === 'tools/call run_python');
      expect(run?.parentSpanId).toBe(clientSpan);
      expect(attributes(run!)).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'run_python',
        'codexec.servers': ['test'],
        'codexec.outcome': 'success',
        'codexec.calls': 2,
      });
      const calls = spans.filter((span) => span.parentSpanId === run?.spanId);
      expect(calls.map((span) => span.name).sort()).toEqual(['tools/call echo', 'tools/call request_meta']);
      for (const call of calls) {
        expect(attributes(call)).toMatchObject({ 'codexec.server': 'test', 'codexec.outcome': 'ok' });
        expect(Number(attributes(call)['codexec.result.bytes'])).toBeGreaterThan(0);
      }
      // The upstream's traceparent names the span of the call that carried it.
      const metaCall = calls.find((span) => span.name === 'tools/call request_meta');
      expect(upstream.split('-')[2]).toBe(metaCall?.spanId);
    });

    it('exports the metrics of runs, tool calls and sessions', async () => {
      await until('the metrics', () =>
        ['codexec.runs', 'codexec.run.duration', 'codexec.tool_calls', 'codexec.tool_call.duration'].every(
          (name) => received.metricNames.has(name),
        )
          ? true
          : undefined,
      );
      for (const name of ['codexec.sessions.live', 'codexec.pool.hits', 'codexec.pool.misses']) {
        expect(received.metricNames.has(name), name).toBe(true);
      }
    });

    it('with the endpoint unreachable, runs go on and the log says why spans are lost', async () => {
      for (let i = 0; i < 2; i += 1) {
        const result = structuredOf(
          await unreachable.client.callTool(
            {
              name: 'run_python',
              arguments: { code: 'await mcp_test.echo(message="x")', servers: ['test'] },
            },
            undefined,
            { timeout: LONG },
          ),
        );
        expect(result.status).toBe('success');
      }
      await until('the export warning', () =>
        /OpenTelemetry export failed/.test(unreachable.stderr()) ? true : undefined,
      );
      expect(unreachable.stderr().match(/OpenTelemetry export failed/g)).toHaveLength(1);
    });
  });
}
