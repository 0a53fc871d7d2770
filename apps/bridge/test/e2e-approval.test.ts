import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectStdio,
  createFixture,
  distStatus,
  type Engine,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  structuredOf,
  until,
} from './harness.js';

// Approval of tool calls through MCP elicitation, with real SDK clients: one that answers the questions (each way)
// and one that cannot be asked. The test server's tools say nothing about being destructive, so in `destructive`
// mode each of its calls is asked about; server-filesystem marks its reading tools read-only, which are not.

const engines: Engine[] = ['podman', 'docker'];

/** What the answering client does with the next questions, and what it was asked. */
interface Answers {
  next: (params: { message: string }) => Promise<ElicitResult> | ElicitResult;
  asked: string[];
  open: number;
  mostOpen: number;
}

function answeringClient(answers: Answers): Client {
  const client = new Client(
    { name: 'approving-client', version: '0.0.0' },
    { capabilities: { elicitation: {} } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    answers.asked.push(request.params.message);
    answers.open += 1;
    answers.mostOpen = Math.max(answers.mostOpen, answers.open);
    try {
      return await answers.next(request.params);
    } finally {
      answers.open -= 1;
    }
  });
  return client;
}

const accept = (decision: string): ElicitResult => ({ action: 'accept', content: { decision } });

for (const engine of engines) {
  const skip = shouldSkip(distStatus(), await engineStatus(engine));

  describe.skipIf(skip)(`approval of tool calls, on ${engine}`, { timeout: LONG }, () => {
    let fixture: Fixture;
    let asking: StdioSession;
    let mute: StdioSession;
    let auditFile: string;
    const answers: Answers = { next: () => accept('allow once'), asked: [], open: 0, mostOpen: 0 };

    beforeAll(async () => {
      fixture = await createFixture();
      const env = { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_APPROVAL: 'destructive' };
      auditFile = join(fixture.root, 'audit.jsonl');
      [asking, mute] = await Promise.all([
        connectStdio(fixture, engine, {
          env: { ...env, MCP_BRIDGE_AUDIT_LOG: auditFile },
          client: answeringClient(answers),
        }),
        connectStdio(fixture, engine, { env }),
      ]);
    }, LONG);

    afterAll(async () => {
      await Promise.all([asking?.close(), mute?.close()]);
      await fixture?.cleanup();
    }, LONG);

    const run = async (session: StdioSession, code: string, extra: Record<string, unknown> = {}) =>
      structuredOf(
        await session.client.callTool(
          { name: 'run_python', arguments: { code, servers: ['test', 'files'], ...extra } },
          undefined,
          { timeout: LONG },
        ),
      );

    const attempt = (call: string) =>
      [
        'try:',
        `    r = await ${call}`,
        '    out = ["ran"]',
        'except ToolCallDenied as e:',
        '    out = ["denied", e.rule, str(e)]',
        'out',
      ].join('\n');

    it('asks before a destructive call, with the tool and its arguments, and runs it once allowed', async () => {
      answers.asked = [];
      answers.next = () => accept('allow once');
      const result = await run(asking, attempt('mcp_test.echo(message="launch", count=3)'));
      expect(result.value).toEqual(['ran']);
      expect(answers.asked).toHaveLength(1);
      expect(answers.asked[0]).toContain('test.echo');
      expect(answers.asked[0]).toContain('"message": "launch"');
      // Allowed once: the next call is asked about again.
      await run(asking, attempt('mcp_test.echo(message="again")'));
      expect(answers.asked).toHaveLength(2);
    });

    it('does not ask about tools their server marks read-only', async () => {
      answers.asked = [];
      const result = await run(asking, attempt('mcp_files.list_allowed_directories()'));
      expect(result.value).toEqual(['ran']);
      expect(answers.asked).toEqual([]);
    });

    it('a decline or a cancel raises ToolCallDenied in the code, which goes on', async () => {
      answers.next = () => ({ action: 'decline' });
      expect((await run(asking, attempt('mcp_test.echo(message="no")'))).value).toEqual([
        'denied',
        'approval declined',
        'Tool call denied: test.echo was not approved: the user declined it',
      ]);
      answers.next = () => ({ action: 'cancel' });
      expect((await run(asking, attempt('mcp_test.echo(message="no")'))).value).toEqual([
        'denied',
        'approval cancelled',
        'Tool call denied: test.echo was not approved: the user cancelled it',
      ]);
      answers.next = () => accept('deny');
      const denied = (await run(asking, attempt('mcp_test.echo(message="no")'))).value as string[];
      expect(denied.slice(0, 2)).toEqual(['denied', 'approval declined']);
    });

    it('asks about concurrent calls one at a time, and remembers "allow for this session"', async () => {
      answers.asked = [];
      answers.mostOpen = 0;
      answers.next = async () => {
        await new Promise((r) => setTimeout(r, 50));
        return accept('allow for this session');
      };
      const result = await run(
        asking,
        [
          'import asyncio',
          'r = await asyncio.gather(*(mcp_test.add(a=i, b=1) for i in range(4)))',
          '[x["sum"] for x in r]',
        ].join('\n'),
        { session: 'approvals' },
      );
      expect(result.value).toEqual([1, 2, 3, 4]);
      // One question: the calls waiting behind it were allowed by its answer.
      expect(answers.asked).toHaveLength(1);
      expect(answers.mostOpen).toBe(1);
      await run(asking, 'await mcp_test.add(a=1, b=1)', { session: 'approvals' });
      expect(answers.asked).toHaveLength(1);
      // Another session is asked anew.
      await run(asking, 'await mcp_test.add(a=1, b=1)', { session: 'other' });
      expect(answers.asked).toHaveLength(2);
    });

    it("stops the run's clock while the user decides", async () => {
      answers.next = async () => {
        await new Promise((r) => setTimeout(r, 3000));
        return accept('allow once');
      };
      const result = await run(asking, attempt('mcp_test.echo(message="slow human")'), { timeout: 2 });
      expect(result.status, JSON.stringify(result)).toBe('success');
      expect(result.value).toEqual(['ran']);
    });

    it('a question left unanswered past MCP_BRIDGE_APPROVAL_TIMEOUT denies the call', async () => {
      const silent: Answers = { next: () => new Promise(() => {}), asked: [], open: 0, mostOpen: 0 };
      const waiting = await connectStdio(fixture, engine, {
        env: { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_APPROVAL: 'all', MCP_BRIDGE_APPROVAL_TIMEOUT: '1s' },
        client: answeringClient(silent),
      });
      try {
        const result = await run(waiting, attempt('mcp_test.echo(message="anyone?")'));
        expect(result.value).toEqual([
          'denied',
          'approval timed out',
          'Tool call denied: test.echo was not approved: no answer came in time',
        ]);
        expect(silent.asked).toHaveLength(1);
      } finally {
        await waiting.close();
      }
    });

    it('the audit trail says how each call was approved, or why it was not', async () => {
      const records = await until('the audit trail', async () => {
        const lines = (await readFile(auditFile, 'utf8').catch(() => '')).trim().split('\n');
        const parsed = lines.filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
        return parsed.some((r) => r.approval === 'allowed earlier in the session') ? parsed : undefined;
      });
      const approvals = new Set(records.filter((r) => r.type === 'call').map((r) => r.approval));
      expect([...approvals].sort()).toEqual(
        [
          'allowed earlier in the session',
          'allowed for the session',
          'allowed once',
          'cancelled',
          'declined',
          'none',
        ].sort(),
      );
      expect(records).toContainEqual(
        expect.objectContaining({
          type: 'call',
          outcome: 'denied',
          policy: 'approval declined',
          approval: 'declined',
        }),
      );
    });

    it('refuses, saying how to configure the bridge, when the client cannot be asked', async () => {
      const result = await run(mute, attempt('mcp_test.echo(message="x")'));
      expect(result.value).toEqual([
        'denied',
        'approval unavailable',
        expect.stringContaining('this client cannot be asked (it does not support MCP elicitation)'),
      ]);
      expect(String((result.value as string[])[2])).toContain('MCP_BRIDGE_APPROVAL=never');
      expect((await run(mute, attempt('mcp_files.list_allowed_directories()'))).value).toEqual(['ran']);
    });
  });
}
