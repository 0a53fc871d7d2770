import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { FrameChannel, type RuntimeToHostFrame } from '../src/index.js';

// Real OS streams (a Unix socket) between a host and a runtime channel: kernel buffers, partial writes and
// backpressure are real here, unlike with in-memory PassThrough pairs.
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function socketPair(): Promise<{ hostSocket: Socket; runtimeSocket: Socket }> {
  const dir = mkdtempSync(join(tmpdir(), 'frame-protocol-'));
  const path = join(dir, 'frames.sock');
  const server: Server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const runtimeSocket = connect(path);
  const hostSocket = await accepted;
  cleanups.push(() => {
    hostSocket.destroy();
    runtimeSocket.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { hostSocket, runtimeSocket };
}

describe('FrameChannel over a Unix socket', () => {
  test('20 MiB frames travel both ways intact', { timeout: 60_000 }, async () => {
    const { hostSocket, runtimeSocket } = await socketPair();
    const host = new FrameChannel({ side: 'host', readable: hostSocket, writable: hostSocket });
    const runtime = new FrameChannel({ side: 'runtime', readable: runtimeSocket, writable: runtimeSocket });
    cleanups.push(() => {
      host.close();
      runtime.close();
    });

    const big = `${'€'.repeat(7 * 1024 * 1024)}🙂`; // over 20 MiB of UTF-8
    const received = new Promise<RuntimeToHostFrame>((resolve) => host.onFrame(resolve));
    await runtime.send({ type: 'stdout', data: big });
    const frame = await received;
    expect(frame.type).toBe('stdout');
    expect(frame.type === 'stdout' && frame.data.length).toBe(big.length);
    expect(frame.type === 'stdout' && frame.data === big).toBe(true);

    host.onRequest('tools/call', ({ arguments: args }) => ({
      content: [{ type: 'text', text: big }],
      structuredContent: { echoed: args },
    }));
    const result = await runtime.request('tools/call', { server: 's', tool: 't', arguments: { big } });
    expect(result.content[0]?.text === big).toBe(true);
    expect((result.structuredContent?.echoed as { big?: string } | undefined)?.big === big).toBe(true);
  });

  test('many concurrent requests in both directions are all answered', { timeout: 60_000 }, async () => {
    const { hostSocket, runtimeSocket } = await socketPair();
    const host = new FrameChannel({ side: 'host', readable: hostSocket, writable: hostSocket });
    const runtime = new FrameChannel({ side: 'runtime', readable: runtimeSocket, writable: runtimeSocket });
    cleanups.push(() => {
      host.close();
      runtime.close();
    });
    host.onRequest('tools/call', async ({ tool }) => {
      await new Promise((resolve) => setTimeout(resolve, Number(tool) % 7));
      return { content: [{ type: 'text', text: tool }] };
    });
    runtime.onRequest('ping', () => ({}));
    const calls = Array.from({ length: 500 }, (_, i) =>
      runtime.request('tools/call', { server: 's', tool: String(i) }).then((r) => r.content[0]?.text),
    );
    const pings = Array.from({ length: 100 }, () => host.request('ping', {}));
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    expect(await Promise.all(pings)).toHaveLength(100);
  });

  test('the socket closing rejects pending requests with CLOSED', async () => {
    const { hostSocket, runtimeSocket } = await socketPair();
    const runtime = new FrameChannel({ side: 'runtime', readable: runtimeSocket, writable: runtimeSocket });
    const pending = runtime.request('servers/list', {});
    hostSocket.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    expect(['ended', 'errored']).toContain((await runtime.closed).reason);
  });
});
