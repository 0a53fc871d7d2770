// (3) per-call overhead of proxied calls from inside one run against the same call made directly with the SDK,
// and (4) 200 calls with asyncio.gather against the same calls one after another.
import { BridgeSession, createFixture, listValueOf, testServer } from '../lib/bridge.js';
import type { Engine } from '../lib/engines.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, median, summarize } from '../lib/stats.js';
import { directSamples, proxiedCode } from './published-calls.js';

function gatherCode(calls: number, ms: number, rounds: number): string {
  return [
    'import asyncio, time',
    'async def parallel():',
    '    t0 = time.perf_counter()',
    `    await asyncio.gather(*(mcp_test.slow(ms=${ms}) for _ in range(${calls})))`,
    '    return (time.perf_counter() - t0) * 1000',
    'async def sequential():',
    '    t0 = time.perf_counter()',
    `    for _ in range(${calls}):`,
    `        await mcp_test.slow(ms=${ms})`,
    '    return (time.perf_counter() - t0) * 1000',
    'await parallel()',
    'out = []',
    `for i in range(${rounds}):`,
    '    if i % 2:',
    '        s = await sequential(); p = await parallel()',
    '    else:',
    '        p = await parallel(); s = await sequential()',
    '    out.append([round(s, 2), round(p, 2)])',
    'out',
  ].join('\n');
}

export async function toolCalls(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const calls = ctx.quick ? 250 : 1000;
  const rounds = 2;
  const fixture = await createFixture(() => ({ test: testServer() }));
  // Frames over the engine's stdio, named explicitly: the bridge uses the direct channel by default where it can.
  const session = await BridgeSession.start({
    engine,
    fixture,
    poolSize: 0,
    env: { MCP_BRIDGE_DIRECT_CHANNEL: '0' },
  });
  // The same bridge with frames over a socket passed into the container, where the engine can (podman).
  const socketSession =
    engine === 'podman'
      ? await BridgeSession.start({ engine, fixture, poolSize: 0, env: { MCP_BRIDGE_DIRECT_CHANNEL: '1' } })
      : undefined;
  const rows: Row[] = [];
  // Both sides warm up the same way, calling for 2 s untimed: the direct calls in a fresh Node process with the
  // SDK's client (a client in this busy process, barely warmed, would be several times slower and flatter us).
  const warmUpMs = 2000;
  const echoCall = { server: 'test', tool: 'echo', arguments: { message: 'x' } };
  try {
    ctx.log(
      `tool calls: ${rounds} × ${calls} proxied and direct echo calls, alternating, each after 2 s of calls`,
    );
    const proxied: number[] = [];
    const overSocket: number[] = [];
    const straight: number[] = [];
    const proxiedCalls = async (bridge: BridgeSession, into: number[]): Promise<void> => {
      const samples = await listValueOf(bridge, proxiedCode('mcp_test.echo(message="x")', calls, warmUpMs), {
        servers: ['test'],
        what: 'the proxied-call run',
      });
      into.push(...(samples as number[]));
    };
    for (let r = 0; r < rounds; r += 1) {
      const steps = [
        () => proxiedCalls(session, proxied),
        async () => {
          straight.push(...(await directSamples(testServer(), echoCall, calls, warmUpMs)));
        },
        ...(socketSession ? [() => proxiedCalls(socketSession, overSocket)] : []),
      ];
      if (r % 2) steps.reverse();
      for (const step of steps) await step();
    }
    const subject = summarize(proxied);
    const baseline = summarize(straight);
    const ratio = subject.median / baseline.median;
    rows.push({
      id: 'tool-call-overhead',
      what: `(3) one echo call: proxied from a run, frames over the engine's stdio (MCP_BRIDGE_DIRECT_CHANNEL=0), vs direct SDK call from a fresh Node process, both after 2 s of calls (${calls}×${rounds} sequential)`,
      unit: 'ms',
      subject,
      baseline,
      value: ratio,
      shown: `${fmt(ratio)}× direct`,
      target: '≤ 2×',
      pass: ratio <= 2,
    });
    if (overSocket.length) {
      const socketSubject = summarize(overSocket);
      const socketRatio = socketSubject.median / baseline.median;
      rows.push({
        id: 'tool-call-overhead-direct-channel',
        what: '(3b) the same with MCP_BRIDGE_DIRECT_CHANNEL=1 (frames over a socket passed into the container; the default where podman can)',
        unit: 'ms',
        subject: socketSubject,
        baseline,
        value: socketRatio,
        shown: `${fmt(socketRatio)}× direct`,
        target: '≤ 2×',
        pass: socketRatio <= 2,
      });
    }

    const gatherRounds = ctx.quick ? 1 : 3;
    const slowMs = 50;
    ctx.log(`tool calls: 200 slow(${slowMs} ms) calls, gather vs sequential, ${gatherRounds} round(s)`);
    const pairs = (await listValueOf(session, gatherCode(200, slowMs, gatherRounds), {
      servers: ['test'],
      what: 'the gather run',
      timeoutS: 115,
    })) as [number, number][];
    const sequential = summarize(pairs.map((p) => p[0]));
    const parallel = summarize(pairs.map((p) => p[1]));
    const speedup = sequential.median / parallel.median;
    rows.push({
      id: 'parallel-calls',
      what: `(4) 200 calls of a ${slowMs} ms tool: asyncio.gather vs sequential`,
      unit: 'ms',
      subject: parallel,
      baseline: sequential,
      value: speedup,
      shown: `${fmt(speedup)}× faster`,
      target: '≥ 10×',
      pass: speedup >= 10,
    });

    // The same with a tool that answers at once: what the proxy path itself costs when nothing waits.
    const echo = await session.run(
      gatherCode(200, 0, gatherRounds).replaceAll('mcp_test.slow(ms=0)', 'mcp_test.echo(message="x")'),
      {
        servers: ['test'],
        timeoutS: 115,
      },
    );
    if (echo.status === 'success' && Array.isArray(echo.value)) {
      const echoPairs = echo.value as [number, number][];
      const s = summarize(echoPairs.map((p) => p[0]));
      const p = summarize(echoPairs.map((q) => q[1]));
      rows.push({
        id: 'parallel-calls-instant',
        what: '(4b) 200 echo calls (no wait in the tool): asyncio.gather vs sequential',
        unit: 'ms',
        subject: p,
        baseline: s,
        value: s.median / p.median,
        shown: `${fmt(s.median / p.median)}× faster`,
        target: 'reported',
        note: 'informative: with nothing to wait for, the gain is bounded by CPU (2 cores)',
      });
    }
    rows[0]!.extra = { proxiedMedianMs: median(proxied), directMedianMs: median(straight) };
  } finally {
    for (const bridge of [session, socketSession]) {
      if (!bridge) continue;
      const { left } = await bridge.close();
      if (left) ctx.log(`! ${left} container(s) were left and removed`);
    }
    await fixture.cleanup();
  }
  return rows;
}
