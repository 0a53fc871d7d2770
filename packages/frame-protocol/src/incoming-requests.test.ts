import { describe, expect, test } from 'vitest';
import { FrameProtocolError } from './errors.js';
import type { ResponseFrame } from './frames.js';
import { IncomingRequests, type RequestContext } from './incoming-requests.js';
import { silentLogger } from './logger.js';
import { RuntimeMethods } from './methods.js';

function served(options: { failFirstSend?: FrameProtocolError; closed?: boolean } = {}) {
  const responses: ResponseFrame[] = [];
  const protocolErrors: FrameProtocolError[] = [];
  let failNext = options.failFirstSend;
  const incoming = new IncomingRequests({
    side: 'host',
    peer: 'runtime',
    methods: RuntimeMethods,
    sendResponse: async (response) => {
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      responses.push(response);
    },
    isClosed: () => options.closed ?? false,
    reportProtocolError: (error) => protocolErrors.push(error),
    logger: silentLogger,
  });
  return { incoming, responses, protocolErrors };
}

describe('IncomingRequests', () => {
  test('answers with the handler result, after applying the params defaults', async () => {
    const { incoming, responses } = served();
    incoming.handle('tools/call', (params: unknown) => ({
      content: [{ type: 'text', text: JSON.stringify(params) }],
    }));
    await incoming.serve({
      type: 'request',
      id: 'c1',
      method: 'tools/call',
      params: { server: 's', tool: 't' },
    });
    expect(responses).toEqual([
      {
        type: 'response',
        id: 'c1',
        result: { content: [{ type: 'text', text: '{"server":"s","tool":"t","arguments":{}}' }] },
      },
    ]);
  });

  test.each([
    ['no handler', 'files/delete', {}, 'UNKNOWN_METHOD'],
    ['params that do not match', 'tools/search', { query: 'x', limit: 1000 }, 'INVALID_PARAMS'],
    ['a handler result that does not match', 'servers/list', {}, 'INTERNAL'],
  ])('answers %s with %s', async (_what, method, params, code) => {
    const { incoming, responses } = served();
    incoming.handle('servers/list', () => ({ servers: [{ name: 'a' }] }));
    incoming.handle('tools/search', () => ({ results: [] }));
    await incoming.serve({ type: 'request', id: 'c1', method, params });
    expect(responses[0]).toMatchObject({ id: 'c1', error: { code } });
  });

  test("a handler's abort aborts its own signal with that reason, and its remote error is the answer", async () => {
    const { incoming, responses } = served();
    const reasons: unknown[] = [];
    incoming.handle('tools/call', async (_params: unknown, { signal, abort }: RequestContext) => {
      signal.addEventListener('abort', () => reasons.push(signal.reason));
      abort(new RangeError('past the deadline'));
      throw FrameProtocolError.remote({ code: 'TIMEOUT', message: `gave up: ${String(signal.reason)}` });
    });
    await incoming.serve({
      type: 'request',
      id: 'c1',
      method: 'tools/call',
      params: { server: 's', tool: 't' },
    });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(RangeError);
    expect(responses).toEqual([
      {
        type: 'response',
        id: 'c1',
        error: { code: 'TIMEOUT', message: 'gave up: RangeError: past the deadline' },
      },
    ]);
    // The request is no longer being served: a late cancel of it is a cancel of nothing.
    expect(incoming.cancel('c1', 'late')).toBe(false);
  });

  test('a cancel aborts the handler, which is answered CANCELLED; a cancel of nothing served is false', async () => {
    const { incoming, responses } = served();
    let reason: unknown;
    incoming.handle(
      'tools/call',
      (_params: unknown, { signal }: RequestContext) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            reject(signal.reason);
          }),
        ),
    );
    const serving = incoming.serve({
      type: 'request',
      id: 'c1',
      method: 'tools/call',
      params: { server: 's', tool: 't' },
    });
    expect(incoming.cancel('c9', 'other')).toBe(false);
    expect(incoming.cancel('c1', 'timeout')).toBe(true);
    await serving;
    expect((reason as FrameProtocolError).code).toBe('ABORTED');
    expect(responses).toEqual([
      { type: 'response', id: 'c1', error: { code: 'CANCELLED', message: 'The request was cancelled' } },
    ]);
  });

  test('a duplicate id is a protocol error and is not served twice', async () => {
    const { incoming, protocolErrors } = served();
    let release!: () => void;
    incoming.handle(
      'servers/list',
      () =>
        new Promise((resolve) => {
          release = () => resolve({ servers: [] });
        }),
    );
    const first = incoming.serve({ type: 'request', id: 'c1', method: 'servers/list', params: {} });
    await incoming.serve({ type: 'request', id: 'c1', method: 'servers/list', params: {} });
    expect(protocolErrors.map((error) => error.code)).toEqual(['DUPLICATE_ID']);
    release();
    await first;
  });

  test('an answer too large to send becomes FRAME_TOO_LARGE; nothing is sent once closed', async () => {
    const tooLarge = served({ failFirstSend: new FrameProtocolError('LINE_TOO_LONG', 'over the limit') });
    tooLarge.incoming.handle('debug/big', () => 'x');
    await tooLarge.incoming.serve({ type: 'request', id: 'c1', method: 'debug/big', params: {} });
    expect(tooLarge.responses).toEqual([
      { type: 'response', id: 'c1', error: { code: 'FRAME_TOO_LARGE', message: 'over the limit' } },
    ]);
    const closed = served({ closed: true });
    closed.incoming.handle('debug/x', () => 1);
    await closed.incoming.serve({ type: 'request', id: 'c1', method: 'debug/x', params: {} });
    expect(closed.responses).toEqual([]);
  });

  test('a removed handler no longer serves, and abortAll aborts what runs', async () => {
    const { incoming, responses } = served();
    const remove = incoming.handle('debug/x', () => 1);
    remove();
    await incoming.serve({ type: 'request', id: 'c1', method: 'debug/x', params: {} });
    expect(responses[0]).toMatchObject({ error: { code: 'UNKNOWN_METHOD' } });
    let aborted: unknown;
    incoming.handle(
      'debug/wait',
      (_p: unknown, { signal }: RequestContext) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(signal.reason);
          }),
        ),
    );
    const serving = incoming.serve({ type: 'request', id: 'c2', method: 'debug/wait', params: {} });
    incoming.abortAll(new FrameProtocolError('CLOSED', 'closed'));
    await serving;
    expect((aborted as FrameProtocolError).code).toBe('CLOSED');
  });
});
