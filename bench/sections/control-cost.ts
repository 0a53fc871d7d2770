// (3e–3g) what control and sight cost a proxied call: the same echo calls through four bridges, in rotating rounds of
// the same run, all with the default channel: the audit trail off; as the bridge comes (the audit trail on); the
// audit trail and a tool policy that checks everything it can on each call (deny and allow patterns, caps per run
// and in flight, a rate limit on the server); the audit trail and OpenTelemetry export to a local receiver. Then the
// idle RSS of fresh bridges with and without OpenTelemetry configured.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BridgeSession, createFixture, listValueOf, testServer } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import { sleep } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, median, type Summary, summarize } from '../lib/stats.js';
import { proxiedCode } from './published-calls.js';

/** An OTLP/HTTP receiver that accepts and drops everything: what a collector next to the bridge costs it. */
async function sink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function controlCost(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const calls = ctx.quick ? 400 : 1000;
  const rounds = ctx.quick ? 2 : 4;
  const fixture = await createFixture(() => ({ test: testServer() }));
  const receiver = await sink();
  const policyFile = join(fixture.root, 'policy.toml');
  // Limits no run here reaches: every call is checked against each of them and let through.
  await writeFile(
    policyFile,
    [
      'allow = ["test.*", "other.*"]',
      'deny = ["*.delete_*", "test.add"]',
      'max_tool_calls = 1000000',
      'max_calls_in_flight = 64',
      '[rate_limits]',
      'test = 1000000',
      '',
    ].join('\n'),
  );
  const start = (env: Record<string, string>) => BridgeSession.start({ engine, fixture, poolSize: 0, env });
  const kinds = {
    bare: await start({ MCP_BRIDGE_AUDIT_LOG: 'off' }),
    audited: await start({}),
    policed: await start({ MCP_BRIDGE_POLICY: policyFile }),
    traced: await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRIC_EXPORT_INTERVAL: '5000' }),
  };
  try {
    ctx.log(
      `control cost: ${rounds} × ${calls} echo calls through 4 bridges (audit off, audit, policy, tracing)`,
    );
    const samples = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, [] as number[]])) as Record<
      keyof typeof kinds,
      number[]
    >;
    const order = Object.keys(kinds) as (keyof typeof kinds)[];
    for (let r = 0; r < rounds; r += 1) {
      for (let i = 0; i < order.length; i += 1) {
        const kind = order[(i + r) % order.length]!;
        const value = await listValueOf(kinds[kind], proxiedCode('mcp_test.echo(message="x")', calls, 1000), {
          servers: ['test'],
          what: `the ${kind} run`,
        });
        samples[kind].push(...(value as number[]));
      }
    }
    const s = Object.fromEntries(order.map((kind) => [kind, summarize(samples[kind])])) as Record<
      keyof typeof kinds,
      Summary
    >;
    const row = (id: string, what: string, subject: Summary, baseline: Summary): Row => {
      const ratio = subject.median / baseline.median;
      return {
        id,
        what: `${what} (${calls}×${rounds} sequential echo calls, default channel)`,
        unit: 'ms',
        subject,
        baseline,
        value: ratio,
        shown: `${fmt(ratio)}× (${fmt(subject.median, 3)} vs ${fmt(baseline.median, 3)} ms)`,
        target: 'reported',
      };
    };
    // Idle RSS with and without OpenTelemetry: fresh bridges, one run each (a tool call, so spans exist and are
    // exported), then 2 s of nothing; three of each, alternating.
    await Promise.all(Object.values(kinds).map((bridge) => bridge.close()));
    const idle = { plain: [] as number[], otel: [] as number[] };
    for (let i = 0; i < 6; i += 1) {
      const otel = i % 2 === 1;
      const bridge = await start(otel ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } : {});
      try {
        const reply = await bridge.run('await mcp_test.echo(message="x")', {
          servers: ['test'],
          timeoutS: 60,
        });
        if (reply.status !== 'success')
          throw new Error(`the idle run failed: ${reply.error ?? reply.status}`);
        await sleep(2000);
        (otel ? idle.otel : idle.plain).push(bridge.rss() ?? Number.NaN);
      } finally {
        await bridge.close();
      }
    }
    const rss = { plain: median(idle.plain), otel: median(idle.otel) };
    return [
      row(
        'audit-cost',
        '(3e) one proxied call with the audit trail (the default) vs the same bridge with MCP_BRIDGE_AUDIT_LOG=off',
        s.audited,
        s.bare,
      ),
      row(
        'policy-cost',
        '(3f) the same with a tool policy (allow and deny patterns, caps per run, a rate limit) vs without, both audited',
        s.policed,
        s.audited,
      ),
      row(
        'tracing-cost',
        '(3g) the same with OpenTelemetry export to a local OTLP/HTTP receiver vs without, both audited',
        s.traced,
        s.audited,
      ),
      {
        id: 'tracing-rss',
        what: '(8c) bridge RSS idle after one run with a tool call: with OpenTelemetry configured vs without (median of 3 each)',
        unit: 'MiB',
        value: rss.otel,
        shown: `${fmt(rss.otel)} vs ${fmt(rss.plain)} MiB (${rss.otel >= rss.plain ? '+' : ''}${fmt(rss.otel - rss.plain)})`,
        target: 'reported',
        extra: idle,
      },
    ];
  } finally {
    await Promise.all(Object.values(kinds).map((bridge) => bridge.close()));
    await receiver.close();
    await fixture.cleanup();
  }
}
