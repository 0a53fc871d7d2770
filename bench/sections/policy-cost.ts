// (3f) what the tool policy costs a proxied call: the same echo calls through a bridge with a policy that checks
// everything it can on each call (deny and allow patterns, a cap on calls per run and in flight, a rate limit on the
// server) against a bridge with none, both with the default channel, in alternating rounds of the same run.
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
  const plain = await BridgeSession.start({ engine, fixture, poolSize: 0 });
  const policed = await BridgeSession.start({
    engine,
    fixture,
    poolSize: 0,
    env: { MCP_BRIDGE_POLICY: policyFile },
  });
  try {
    ctx.log(`policy cost: ${rounds} × ${calls} echo calls with and without a tool policy, alternating`);
    const samples = { plain: [] as number[], policed: [] as number[] };
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
    for (let r = 0; r < rounds; r += 1) {
      const order = r % 2 ? ([policed, plain] as const) : ([plain, policed] as const);
      for (const bridge of order) await measure(bridge, bridge === plain ? samples.plain : samples.policed);
    }
    const subject = summarize(samples.policed);
    const baseline = summarize(samples.plain);
    const ratio = subject.median / baseline.median;
    return [
      {
        id: 'policy-cost',
        what: `(3f) one proxied echo call with a tool policy (allow and deny patterns, caps per run, a rate limit) vs the same bridge without one (${calls}×${rounds} sequential, default channel)`,
        unit: 'ms',
        subject,
        baseline,
        value: ratio,
        shown: `${fmt(ratio)}× (${fmt(subject.median, 3)} vs ${fmt(baseline.median, 3)} ms)`,
        target: 'reported',
      },
    ];
  } finally {
    await Promise.all([plain.close(), policed.close()]);
    await fixture.cleanup();
  }
}
