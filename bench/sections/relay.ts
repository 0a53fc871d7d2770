// Where a proxied call's time goes (`pnpm bench --only=relay`): a bare echo round trip of one frame-sized line
// through the engine's stdio relay (`run -i`: the engine's client and conmon), through the stdio of a local python3
// child, and through a socket passed into the container (`--preserve-fds`, as MCP_BRIDGE_DIRECT_CHANNEL=1 does);
// the hand-off from a reader thread to an asyncio loop inside the container; the floor of a proxied call (the direct
// call plus one bare round trip into the container) beside the call itself; and the bridge process's CPU per proxied
// call.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Duplex, Readable, Writable } from 'node:stream';
import { BridgeSession, createFixture, listValueOf, testServer } from '../lib/bridge.js';
import { type Engine, removeWithLabel } from '../lib/engines.js';
import { BENCH_LABEL, hardenedRunArgs } from '../lib/hardened-run.js';
import { cpuTimeMs, ensureGone, withTimeout } from '../lib/process.js';
import type { BenchContext, Row } from '../lib/report.js';
import { fmt, median, type Summary, summarize } from '../lib/stats.js';
import { directSamples, proxiedCode } from './published-calls.js';

/** A line the size of a tools/call request frame. */
const LINE = `${JSON.stringify({
  type: 'request',
  id: 'c1',
  method: 'tools/call',
  params: { server: 'test', tool: 'echo', arguments: { message: 'x' } },
})}\n`;

/** Echoes what it reads, unbuffered: on fd 3 when given `3`, else from stdin to stdout. */
const ECHO = [
  'import os, sys',
  "fd_in, fd_out = (3, 3) if sys.argv[1:] == ['3'] else (0, 1)",
  'while True:',
  '    data = os.read(fd_in, 65536)',
  '    if not data:',
  '        break',
  '    os.write(fd_out, data)',
].join('\n');

/**
 * Times `n` round trips of LINE (in µs) that the container starts and the host echoes, in blocks that alternate two
 * ways of waiting for the answer: reading the socket on the calling thread, and the way the runtime waited before
 * its event loop read frames itself (reader.py): a reader thread resolves a `concurrent.futures.Future` that an
 * asyncio loop awaits through `asyncio.wrap_future`. Both parse the answer as JSON. The difference is what the hand-off itself costs. Prints one JSON line at the end.
 */
const HANDOFF = `
import asyncio, concurrent.futures, json, os, sys, threading, time
fd_in, fd_out = (3, 3) if sys.argv[1] == '3' else (0, 1)
n = int(sys.argv[2]); blocks = int(sys.argv[3])
line = os.read(0, 65536)
STOP = b'{"stop":true}\\n'

def read_line(buf):
    while b'\\n' not in buf:
        chunk = os.read(fd_in, 65536)
        if not chunk:
            raise EOFError
        buf += chunk
    i = buf.index(b'\\n') + 1
    return buf[:i], buf[i:]

def direct():
    out, buf = [], b''
    for _ in range(n):
        t0 = time.perf_counter_ns()
        os.write(fd_out, line)
        got, buf = read_line(buf)
        json.loads(got)
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out

def handed_off():
    pending, lock = {}, threading.Lock()
    def reader():
        buf = b''
        while True:
            got, buf = read_line(buf)
            if got == STOP:
                return
            frame = json.loads(got)
            with lock:
                future = pending.pop(frame['id'], None)
            if future is not None:
                future.set_result(frame)
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    async def main():
        out = []
        for _ in range(n):
            future = concurrent.futures.Future()
            with lock:
                pending['c1'] = future
            t0 = time.perf_counter_ns()
            os.write(fd_out, line)
            await asyncio.wrap_future(future)
            out.append((time.perf_counter_ns() - t0) / 1000)
        return out
    loop = asyncio.new_event_loop()
    try:
        out = loop.run_until_complete(main())
    finally:
        loop.close()
    os.write(fd_out, STOP)
    thread.join()
    return out

direct(); handed_off()
result = {'direct': [], 'handedOff': []}
for b in range(blocks):
    for mode in (('direct', 'handedOff') if b % 2 == 0 else ('handedOff', 'direct')):
        result[mode] += direct() if mode == 'direct' else handed_off()
sys.stdout.write(json.dumps(result) + '\\n')
sys.stdout.flush()
`;

interface Peer {
  child: ChildProcess;
  readable: Readable;
  writable: Writable;
}

/** Spawns a process whose lines go through `channel` (fd 3) or its stdio. */
function spawnPeer(file: string, args: string[], channel: boolean): Peer {
  const child = spawn(file, args, {
    stdio: channel ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
  });
  child.stderr!.resume();
  const socket = channel ? (child.stdio[3] as Duplex) : undefined;
  return { child, readable: socket ?? child.stdout!, writable: socket ?? child.stdin! };
}

/** Writes LINE and waits for it to come back, `n` times; round trips in ms. */
async function echoRoundTrips(peer: Peer, n: number): Promise<number[]> {
  const samples: number[] = [];
  let received = 0;
  let wake: (() => void) | undefined;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    wake?.();
  };
  peer.readable.on('data', onData);
  try {
    for (let i = 0; i < n; i += 1) {
      const expected = received + LINE.length;
      const started = performance.now();
      const back = new Promise<void>((resolve) => {
        wake = () => {
          if (received >= expected) resolve();
        };
      });
      peer.writable.write(LINE);
      await withTimeout(back, 10_000, 'an echo round trip');
      samples.push(performance.now() - started);
    }
  } finally {
    peer.readable.off('data', onData);
  }
  return samples;
}

async function endPeer(peer: Peer): Promise<void> {
  peer.writable.end();
  peer.child.stdin?.end();
  if (peer.child.pid !== undefined) await ensureGone(peer.child.pid, 5000);
}

/** A container running `command` with the bridge's hardened arguments, with fd 3 passed in when `channel`. */
function containerPeer(engine: Engine, command: string[], channel: boolean): Peer {
  return spawnPeer(engine, hardenedRunArgs(engine, { command, channel, purpose: 'relay' }), channel);
}

/** The hand-off script over fd 3 (podman) or stdio: the host echoes every line until the script prints its result. */
async function handOff(
  engine: Engine,
  n: number,
  blocks: number,
): Promise<{ direct: number[]; handedOff: number[] }> {
  const channel = engine === 'podman';
  const peer = containerPeer(
    engine,
    ['python3', '-c', HANDOFF, channel ? '3' : '0', String(n), String(blocks)],
    channel,
  );
  let output = '';
  try {
    return await withTimeout(
      new Promise((resolve, reject) => {
        let buffer = '';
        peer.readable.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
            const line = buffer.slice(0, i + 1);
            buffer = buffer.slice(i + 1);
            if (line.startsWith('{"direct"')) output = line;
            else peer.writable.write(line);
          }
          if (output) resolve(JSON.parse(output));
        });
        if (channel) {
          peer.child.stdout!.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            if (output.endsWith('\n')) resolve(JSON.parse(output));
          });
        }
        peer.child.on('exit', (code) => reject(new Error(`the hand-off probe exited with ${code}`)));
        peer.child.stdin!.write(LINE);
      }),
      120_000,
      'the hand-off probe',
    );
  } finally {
    await endPeer(peer);
  }
}

/**
 * (R6) What no design that runs the code in a container can go below: the direct SDK call plus one bare round trip
 * into the container (R3, measured just before), against the direct call, beside the proxied call over the direct
 * channel, all in this run and warmed up alike. Under a target of 2× the direct call, the runtime and the bridge have
 * what is left of a second direct call once the bare round trip is paid.
 */
async function floorOfACall(ctx: BenchContext, engine: Engine, hop: Summary): Promise<Row> {
  const calls = ctx.quick ? 300 : 1000;
  const rounds = 2;
  const warmUpMs = 2000;
  const fixture = await createFixture(() => ({ test: testServer() }));
  const session = await BridgeSession.start({
    engine,
    fixture,
    poolSize: 0,
    env: { MCP_BRIDGE_DIRECT_CHANNEL: '1' },
  });
  ctx.log(`relay: ${rounds} × ${calls} proxied and direct echo calls, for the floor of a call`);
  const proxied: number[] = [];
  const answeredAtOnce: number[] = [];
  const direct: number[] = [];
  const timed = async (code: string, into: number[]): Promise<void> => {
    into.push(
      ...((await listValueOf(session, code, {
        servers: ['test'],
        what: 'the proxied-call run',
      })) as number[]),
    );
  };
  try {
    for (let r = 0; r < rounds; r += 1) {
      await timed(proxiedCode('mcp_test.echo(message="x")', calls, warmUpMs), proxied);
      // A request the bridge answers from what it holds: the runtime and the frames, without the upstream call.
      await timed(
        `import mcp.runtime as rt\n${proxiedCode('rt.list_servers()', calls, warmUpMs)}`,
        answeredAtOnce,
      );
      const call = { server: 'test', tool: 'echo', arguments: { message: 'x' } };
      direct.push(...(await directSamples(testServer(), call, calls, warmUpMs)));
    }
  } finally {
    await session.close();
    await fixture.cleanup();
  }
  const d = median(direct);
  const p = median(proxied);
  const floor = d + hop.median;
  const a = median(answeredAtOnce);
  return {
    id: 'relay-floor',
    what:
      '(R6) the floor of a proxied call: the direct SDK call plus one bare round trip into the container (R3), ' +
      'against the direct call; beside it the proxied call over the direct channel (same run)',
    unit: 'ms',
    subject: summarize(proxied),
    baseline: summarize(direct),
    value: floor / d,
    shown:
      `${fmt(d, 3)} + ${fmt(hop.median, 3)} ms: ${fmt(floor / d)}× before any work; the proxied call ` +
      `${fmt(p, 3)} ms: ${fmt(p / d)}×. Within 2× the runtime and the bridge would have ` +
      `${fmt(d - hop.median, 3)} ms for all their work; they take ${fmt(p - floor, 3)} ms, of which ` +
      `${fmt(a - hop.median, 3)} ms in a round trip the bridge answers at once (\`list_servers()\`: ${fmt(a, 3)} ms, ` +
      `the runtime's side and the frames') and ${fmt(p - a - d, 3)} ms on the tool call's way through the bridge`,
    target: 'reported',
  };
}

/** CPU the bridge process spends per proxied echo call: a run with `n` calls minus the same run with none. */
async function hostCpuPerCall(
  ctx: BenchContext,
  engine: Engine,
  env: Record<string, string>,
): Promise<{ perCallMs: number[]; wallPerCallMs: number[] }> {
  const calls = ctx.quick ? 300 : 1000;
  const rounds = ctx.quick ? 2 : 4;
  const fixture = await createFixture(() => ({ test: testServer() }));
  // One session, so no run starts a container and the two runs differ only in their calls.
  const session = await BridgeSession.start({
    engine,
    fixture,
    poolSize: 0,
    env: { MCP_BRIDGE_SESSION: 'persistent', ...env },
  });
  const code = (n: number) =>
    [
      'await mcp_test.echo(message="warm-up")',
      `for _ in range(${n}):`,
      '    await mcp_test.echo(message="x")',
    ].join('\n');
  const cpuOfRun = async (n: number): Promise<{ cpu: number; wall: number }> => {
    const before = await cpuTimeMs(session.pid);
    const started = performance.now();
    const reply = await session.run(code(n), { servers: ['test'], timeoutS: 120 });
    const wall = performance.now() - started;
    if (reply.status !== 'success')
      throw new Error(`the CPU run failed: ${reply.status} ${reply.error ?? ''}`);
    return { cpu: (await cpuTimeMs(session.pid)) - before, wall };
  };
  try {
    await cpuOfRun(calls);
    const perCallMs: number[] = [];
    const wallPerCallMs: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const empty = await cpuOfRun(0);
      const full = await cpuOfRun(calls);
      perCallMs.push((full.cpu - empty.cpu) / calls);
      wallPerCallMs.push((full.wall - empty.wall) / calls);
    }
    return { perCallMs, wallPerCallMs };
  } finally {
    await session.close();
    await fixture.cleanup();
  }
}

const ms = (s: Summary): string => `${fmt(s.median, 3)} ms (p95 ${fmt(s.p95, 3)})`;

export async function relay(ctx: BenchContext, engine: Engine): Promise<Row[]> {
  const perBlock = ctx.quick ? 300 : 1000;
  const blocks = ctx.quick ? 2 : 5;
  const rows: Row[] = [];
  const peers: { name: string; peer: Peer }[] = [];
  let socketHop: Summary | undefined;
  try {
    peers.push(
      { name: `${engine} run -i`, peer: containerPeer(engine, ['python3', '-c', ECHO], false) },
      { name: 'local python3', peer: spawnPeer('python3', ['-c', ECHO], false) },
    );
    if (engine === 'podman') {
      peers.push({ name: 'socket', peer: containerPeer(engine, ['python3', '-c', ECHO, '3'], true) });
    }
    // Warm-up (and the first answer proves each peer is up), then blocks in rotating order.
    for (const { peer } of peers) await withTimeout(echoRoundTrips(peer, 200), 120_000, 'the echo warm-up');
    ctx.log(
      `relay: ${blocks} blocks of ${perBlock} echo round trips through ${peers.map((p) => p.name).join(', ')}`,
    );
    const samples = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    for (let b = 0; b < blocks; b += 1) {
      for (let i = 0; i < peers.length; i += 1) {
        const { name, peer } = peers[(b + i) % peers.length]!;
        samples.get(name)!.push(...(await echoRoundTrips(peer, perBlock)));
      }
    }
    const pipe = summarize(samples.get('local python3')!);
    const relayed = summarize(samples.get(`${engine} run -i`)!);
    rows.push(
      {
        id: `relay-echo/${engine}-stdio`,
        what: `(R1) bare echo round trip of a ${LINE.length - 1}-byte line through \`${engine} run -i\` (the engine's stdio relay)`,
        unit: 'ms',
        subject: relayed,
        baseline: pipe,
        value: relayed.median,
        shown: `${ms(relayed)}, vs ${fmt(pipe.median, 3)} ms through a local python3 child's stdio`,
        target: 'reported',
      },
      {
        id: 'relay-echo/local-stdio',
        what: "(R2) the same through a local python3 child's stdin/stdout (no container)",
        unit: 'ms',
        subject: pipe,
        value: pipe.median,
        shown: ms(pipe),
        target: 'reported',
      },
    );
    const socketSamples = samples.get('socket');
    if (socketSamples) {
      const socket = summarize(socketSamples);
      socketHop = socket;
      rows.push({
        id: 'relay-echo/socket',
        what: '(R3) the same through a socket passed into the container (`--preserve-fds 1`)',
        unit: 'ms',
        subject: socket,
        baseline: relayed,
        value: socket.median,
        shown: `${ms(socket)}, vs ${fmt(relayed.median, 3)} ms through the relay`,
        target: 'reported',
      });
    }
  } finally {
    await Promise.all(peers.map(({ peer }) => endPeer(peer)));
    await removeWithLabel(engine, `${BENCH_LABEL}=relay`);
  }

  ctx.log(`relay: the reader thread's hand-off, ${blocks} blocks of ${perBlock} round trips each way`);
  try {
    const handed = await handOff(engine, perBlock, blocks);
    const direct = summarize(handed.direct.map((us) => us / 1000));
    const viaThread = summarize(handed.handedOff.map((us) => us / 1000));
    const cost = viaThread.median - direct.median;
    rows.push({
      id: 'relay-handoff',
      what: `(R4) the reader thread's hand-off in the container: a round trip the container starts, answered through a reader thread and asyncio.wrap_future (as the runtime did before its loop read frames itself) vs read on the calling thread, over ${engine === 'podman' ? 'the socket' : 'the stdio relay'}`,
      unit: 'ms',
      subject: viaThread,
      baseline: direct,
      value: cost,
      shown: `+${fmt(cost, 3)} ms per round trip (${fmt(viaThread.median, 3)} vs ${fmt(direct.median, 3)} ms)`,
      target: 'reported',
      note: "the runtime's former mechanism rebuilt in a probe script: what reading frames in the code's event loop saves (see relay.ts)",
    });
  } finally {
    await removeWithLabel(engine, `${BENCH_LABEL}=relay`);
  }

  if (socketHop) rows.push(await floorOfACall(ctx, engine, socketHop));

  const channels: [string, Record<string, string>][] = [['stdio', { MCP_BRIDGE_DIRECT_CHANNEL: '0' }]];
  if (engine === 'podman') channels.push(['direct channel', { MCP_BRIDGE_DIRECT_CHANNEL: '1' }]);
  for (const [name, env] of channels) {
    ctx.log(`relay: the bridge's CPU per proxied call (${name})`);
    const cpu = await hostCpuPerCall(ctx, engine, env);
    const perCall = median(cpu.perCallMs);
    rows.push({
      id: `host-cpu-per-call/${name === 'stdio' ? 'stdio' : 'direct'}`,
      what: `(R5) CPU time (user + system) of the bridge process per proxied echo call, frames over ${name === 'stdio' ? "the engine's stdio" : 'the direct channel'}`,
      unit: 'ms',
      value: perCall,
      shown:
        `${fmt(perCall, 3)} ms per call, ${fmt(median(cpu.wallPerCallMs), 3)} ms of wall time per call ` +
        `(runs of ${ctx.quick ? 300 : 1000} calls minus an empty run; per round: ` +
        `${cpu.perCallMs.map((v) => fmt(v, 3)).join(', ')})`,
      target: 'reported',
      extra: cpu,
    });
  }
  return rows;
}
