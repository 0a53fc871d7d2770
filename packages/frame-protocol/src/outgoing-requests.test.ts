import { describe, expect, test } from 'vitest';
import { FrameProtocolError } from './errors.js';
import { RuntimeMethods } from './methods.js';
import { OutgoingRequests } from './outgoing-requests.js';

function requests(options: { sendFails?: FrameProtocolError } = {}) {
  const sent: unknown[] = [];
  const cancels: [string, string][] = [];
  const table = new OutgoingRequests({
    peer: 'host',
    methods: RuntimeMethods,
    sendRequest: async (request) => {
      if (options.sendFails) throw options.sendFails;
      sent.push(request);
    },
    sendCancel: async (id, reason) => {
      cancels.push([id, reason]);
    },
    debug: () => {},
  });
  return { table, sent, cancels };
}

async function rejection(promise: Promise<unknown>): Promise<FrameProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameProtocolError);
  return error as FrameProtocolError;
}

describe('OutgoingRequests', () => {
  test('matches a response to its request by id, whatever the order, and checks known results', async () => {
    const { table, sent } = requests();
    const list = table.send('c1', 'servers/list', {}, { timeoutMs: 1000 });
    const echo = table.send('c2', 'debug/echo', { x: 1 }, { timeoutMs: 1000 });
    expect(sent).toEqual([
      { id: 'c1', method: 'servers/list', params: {} },
      { id: 'c2', method: 'debug/echo', params: { x: 1 } },
    ]);
    expect(table.settle({ type: 'response', id: 'c2', result: { anything: true } })).toBe(true);
    expect(table.settle({ type: 'response', id: 'c1', result: { servers: [], extra: 1 } })).toBe(true);
    expect(await echo).toEqual({ anything: true });
    expect(await list).toEqual({ servers: [] });
    expect(table.settle({ type: 'response', id: 'c1', result: {} })).toBe(false);
  });

  test('an error response is REMOTE_ERROR with the wire error; a bad result is INVALID_RESULT', async () => {
    const { table } = requests();
    const failing = table.send('c1', 'servers/list', {}, { timeoutMs: 1000 });
    table.settle({ type: 'response', id: 'c1', error: { code: 'UNKNOWN_SERVER', message: 'no x' } });
    const remote = await rejection(failing);
    expect(remote.code).toBe('REMOTE_ERROR');
    expect(remote.remote).toEqual({ code: 'UNKNOWN_SERVER', message: 'no x' });
    const bad = table.send('c2', 'servers/list', {}, { timeoutMs: 1000 });
    table.settle({ type: 'response', id: 'c2', result: { servers: 'all' } });
    expect((await rejection(bad)).code).toBe('INVALID_RESULT');
  });

  test('a timeout or an abort gives the request up and cancels it on the wire', async () => {
    const { table, cancels } = requests();
    const slow = table.send('c1', 'servers/list', {}, { timeoutMs: 20 });
    const error = await rejection(slow);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('within 20 ms');
    const controller = new AbortController();
    const aborted = table.send('c2', 'servers/list', {}, { timeoutMs: Infinity, signal: controller.signal });
    controller.abort();
    expect((await rejection(aborted)).code).toBe('ABORTED');
    expect(cancels).toEqual([
      ['c1', 'timeout'],
      ['c2', 'aborted'],
    ]);
    // The late answers find nothing waiting.
    expect(table.settle({ type: 'response', id: 'c1', result: { servers: [] } })).toBe(false);
  });

  test('a signal that has fired sends nothing; a request that cannot be sent rejects with why', async () => {
    const { table, sent } = requests();
    const early = table.send('c1', 'servers/list', {}, { timeoutMs: 1000, signal: AbortSignal.abort() });
    expect((await rejection(early)).code).toBe('ABORTED');
    expect(sent).toEqual([]);
    const unsendable = requests({ sendFails: new FrameProtocolError('LINE_TOO_LONG', 'too long') });
    expect((await rejection(unsendable.table.send('c1', 'x', {}, { timeoutMs: 1000 }))).code).toBe(
      'LINE_TOO_LONG',
    );
  });

  test('failAll rejects every waiting request with the error', async () => {
    const { table } = requests();
    const a = table.send('c1', 'servers/list', {}, { timeoutMs: Infinity });
    const b = table.send('c2', 'servers/list', {}, { timeoutMs: Infinity });
    table.failAll(new FrameProtocolError('CLOSED', 'gone'));
    expect((await rejection(a)).code).toBe('CLOSED');
    expect((await rejection(b)).code).toBe('CLOSED');
  });
});
