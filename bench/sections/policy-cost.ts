// (3f) what control costs a proxied call: the same echo calls through three bridges, in rotating rounds of the same
// run, all with the default channel: one with the audit trail off, one as it comes (the audit trail on), and one
// with the audit trail and a tool policy that checks everything it can on each call (deny and allow patterns, a cap
// on calls per run and in flight, a rate limit on the server).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BridgeSession, createFixture, testServer } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, summarize } from '../lib/stats.js';
import { proxiedCode } from './published-calls.js';

export async function policyCost(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const calls = ctx.quick ? 400 : 1000;
  const rounds = ctx.quick ? 2 : 4;
  const fixture = await createFixture(() => ({ test: testServer() }));
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
  const bare = await BridgeSession.start({
    engine,
    fixture,
    poolSize: 0,
    env: { MCP_BRIDGE_AUDIT_LOG: 'off' },
  });
  const plain = await BridgeSession.start({ engine, fixture, poolSize: 0 });
  const policed = await BridgeSession.start({
    engine,
    fixture,
    poolSize: 0,
    env: { MCP_BRIDGE_POLICY: policyFile },
  });
  try {
    ctx.log(
      `control cost: ${rounds} × ${calls} echo calls without audit trail, with it, and with a tool policy too`,
    );
    const samples = { bare: [] as number[], plain: [] as number[], policed: [] as number[] };
    const measure = async (bridge: BridgeSession, into: number[]) => {
      const reply = await bridge.run(proxiedCode('mcp_test.echo(message="x")', calls, 1000), {
        servers: ['test'],
        timeoutS: 120,
      });
      if (reply.status !== 'success' || !Array.isArray(reply.value)) {
        throw new Error(`the policy-cost run failed: ${reply.status} ${reply.error ?? ''}`);
      }
      into.push(...(reply.value as number[]));
    };
    const bridges = [
      [bare, samples.bare],
      [plain, samples.plain],
      [policed, samples.policed],
    ] as const;
    for (let r = 0; r < rounds; r += 1) {
      for (let i = 0; i < bridges.length; i += 1) {
        const [bridge, into] = bridges[(i + r) % bridges.length]!;
        await measure(bridge, into);
      }
    }
    const unaudited = summarize(samples.bare);
    const audited = summarize(samples.plain);
    const auditRatio = audited.median / unaudited.median;
    const subject = summarize(samples.policed);
    const baseline = audited;
    const ratio = subject.median / baseline.median;
    return [
      {
        id: 'audit-cost',
        what: `(3e) one proxied echo call with the audit trail (the default) vs the same bridge with MCP_BRIDGE_AUDIT_LOG=off (${calls}×${rounds} sequential, default channel)`,
        unit: 'ms',
        subject: audited,
        baseline: unaudited,
        value: auditRatio,
        shown: `${fmt(auditRatio)}× (${fmt(audited.median, 3)} vs ${fmt(unaudited.median, 3)} ms)`,
        target: 'reported',
      },
      {
        id: 'policy-cost',
        what: `(3f) one proxied echo call with a tool policy (allow and deny patterns, caps per run, a rate limit) vs the same bridge without one, both with the audit trail (${calls}×${rounds} sequential, default channel)`,
        unit: 'ms',
        subject,
        baseline,
        value: ratio,
        shown: `${fmt(ratio)}× (${fmt(subject.median, 3)} vs ${fmt(baseline.median, 3)} ms)`,
        target: 'reported',
      },
    ];
  } finally {
    await Promise.all([bare.close(), plain.close(), policed.close()]);
    await fixture.cleanup();
  }
}
