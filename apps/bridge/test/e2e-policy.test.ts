import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
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

// The tool policy through a real MCP client and real upstream servers: what it refuses raises ToolCallDenied in
// the code and never reaches the upstream, what it hides is not there for the code, and a bad file stops the bridge.

const engines: Engine[] = ['podman', 'docker'];

for (const engine of engines) {
  const skip = shouldSkip(distStatus(), await engineStatus(engine));

  describe.skipIf(skip)(`the tool policy, on ${engine}`, { timeout: LONG }, () => {
    let fixture: Fixture;
    let denying: StdioSession;
    let readOnly: StdioSession;
    let auditFile: string;

    beforeAll(async () => {
      fixture = await createFixture();
      const policyFile = join(fixture.root, 'policy.toml');
      await writeFile(policyFile, '# rates per server\n[rate_limits]\nfiles = 2\n');
      const readOnlyFile = join(fixture.root, 'read-only.json');
      await writeFile(
        readOnlyFile,
        '{\n  // only what the servers mark read-only\n  "read_only": true,\n}\n',
      );
      auditFile = join(fixture.root, 'audit', 'trail.jsonl');
      const common = { MCP_BRIDGE_POOL_SIZE: '0', MCP_BRIDGE_SESSION: 'fresh' };
      [denying, readOnly] = await Promise.all([
        connectStdio(fixture, engine, {
          env: {
            ...common,
            MCP_BRIDGE_POLICY: policyFile,
            MCP_BRIDGE_DENY_TOOLS: 'test.add,*.get-tiny-*',
            MCP_BRIDGE_MAX_TOOL_CALLS: '3',
            MCP_BRIDGE_AUDIT_LOG: auditFile,
            MCP_BRIDGE_AUDIT_ARGUMENTS: '1',
          },
        }),
        connectStdio(fixture, engine, { env: { ...common, MCP_BRIDGE_POLICY: readOnlyFile } }),
      ]);
    }, LONG);

    afterAll(async () => {
      await Promise.all([denying?.close(), readOnly?.close()]);
      await fixture?.cleanup();
    }, LONG);

    const run = async (session: StdioSession, code: string, servers: string[]) => {
      const result = await session.client.callTool(
        { name: 'run_python', arguments: { code, servers } },
        undefined,
        { timeout: LONG },
      );
      return structuredOf(result);
    };

    it('refuses a denied tool with ToolCallDenied, hides it from the code, and the run goes on', async () => {
      const result = await run(
        denying,
        [
          'from mcp import runtime',
          'try:',
          '    await runtime.call_tool("test", "add", {"a": 1, "b": 2})',
          'except ToolCallDenied as e:',
          '    denied = [e.rule, e.code, str(e)]',
          'found = [d["tool"] for d in await runtime.search_tool_docs("add numbers", limit=20)]',
          'listed = [d["tool"] for d in await runtime.query_tool_docs("test")]',
          '[denied, hasattr(mcp_test, "add"), "add" in found, "add" in listed, "echo" in listed,',
          ' hasattr(mcp_everything, "get_tiny_image"), (await mcp_test.echo(message="after"))["message"]]',
        ].join('\n'),
        ['test', 'everything'],
      );
      expect(result.status, JSON.stringify(result)).toBe('success');
      expect(result.value).toEqual([
        ['deny test.add', 'DENIED', 'Tool call denied: test.add is denied by the policy (deny test.add)'],
        false,
        false,
        false,
        true,
        false,
        'after',
      ]);
      // Refused in the bridge: the test server never saw the call.
      expect(denying.stderr()).toMatch(/tool call refused by the policy: test\.add.*deny test\.add/);
      expect(denying.stderr()).toMatch(
        /tool policy: deny test\.add, \*\.get-tiny-\*; 3 calls per run; files 2 calls\/min/,
      );
    });

    it('caps the tool calls of a run, each run anew', async () => {
      const code = [
        'out = []',
        'for i in range(5):',
        '    try:',
        '        out.append((await mcp_test.echo(message=str(i)))["message"])',
        '    except ToolCallDenied as e:',
        '        out.append(e.rule)',
        'out',
      ].join('\n');
      const first = await run(denying, code, ['test']);
      expect(first.value).toEqual(['0', '1', '2', 'max-tool-calls 3', 'max-tool-calls 3']);
      // The result counts every call the code made, the refused ones too.
      expect(first.calls).toBe(5);
      const second = await run(denying, code, ['test']);
      expect(second.value).toEqual(first.value);
    });

    it('refuses calls past a server rate limit, with the rule and when to try again', async () => {
      const result = await run(
        denying,
        [
          'out = []',
          'for _ in range(3):',
          '    try:',
          '        await mcp_files.list_allowed_directories()',
          '        out.append("ok")',
          '    except ToolCallDenied as e:',
          '        out.append([e.rule, "next call is possible in about" in str(e)])',
          'out',
        ].join('\n'),
        ['files'],
      );
      expect(result.value).toEqual(['ok', 'ok', ['rate files 2/min', true]]);
    });

    it('in read-only mode offers only the tools their server marks read-only', async () => {
      const result = await run(
        readOnly,
        [
          'text = (await mcp_files.read_text_file(path=mcp_files_dir + "/notes.txt"))["content"]',
          'try:',
          '    await runtime.call_tool("files", "write_file", {"path": mcp_files_dir + "/x.txt", "content": "x"})',
          '    wrote = True',
          'except ToolCallDenied as e:',
          '    wrote = e.rule',
          '[text.splitlines()[0], hasattr(mcp_files, "write_file"), hasattr(mcp_files, "read_text_file"), wrote,',
          ' hasattr(mcp_test, "echo")]',
        ]
          .join('\n')
          .replaceAll('mcp_files_dir', JSON.stringify(fixture.data)),
        ['files', 'test'],
      );
      expect(result.status, JSON.stringify(result)).toBe('success');
      // The test server marks nothing read-only: none of its tools is there.
      expect(result.value).toEqual(['first line', false, true, 'read-only', false]);
    });

    it('keeps an audit trail of every run and tool call, secrets redacted, which `runs` shows', async () => {
      const token = `ghp_${'Z9y8X7w6V5'.repeat(4)}`;
      const result = await run(denying, `await mcp_test.echo(message="use ${token}")`, ['test']);
      expect(result.status).toBe('success');
      const runs = (cliArgs: string[]) =>
        cli(fixture, ['runs', ...cliArgs, '--home', fixture.home, '--cwd', fixture.project], {
          engine,
          env: { MCP_BRIDGE_AUDIT_LOG: auditFile },
        });
      // The run's line is written as the result goes out: wait for it.
      const listed = await until('the run in the audit trail', async () => {
        const ran = await runs(['--json']);
        const recent = JSON.parse(ran.stdout) as Record<string, unknown>[];
        return recent[0]?.calls === 1 && recent[0]?.servers ? recent : undefined;
      });
      // Every run of this bridge so far, newest first.
      expect(listed.length).toBe(5);
      expect(listed[0]).toMatchObject({ status: 'success', calls: 1, servers: ['test'] });
      expect(listed.map((r) => r.run)).toEqual([...new Set(listed.map((r) => r.run))]);
      const shown = JSON.parse((await runs([String(listed[0]!.run), '--json'])).stdout);
      expect(shown.calls).toEqual([
        expect.objectContaining({
          server: 'test',
          tool: 'echo',
          outcome: 'ok',
          policy: 'allowed',
          arguments: {
            message: expect.stringMatching(/^use \[redacted GitHub token: ghp_… \(44 chars\)\]$/),
          },
        }),
      ]);
      expect(JSON.stringify(shown)).not.toContain(token);
      // The refused calls of the first tests are there, with the rule that refused them.
      const all = (await readFile(auditFile, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(all).toContainEqual(
        expect.objectContaining({ type: 'call', tool: 'add', outcome: 'denied', policy: 'deny test.add' }),
      );
      expect(all).toContainEqual(
        expect.objectContaining({ type: 'call', outcome: 'denied', policy: 'rate files 2/min' }),
      );
      const text = await runs([]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(String(listed[0]!.run));
      expect(text.stdout).toMatch(/^run\s+started\s+status\s+duration\s+calls\s+session\s+servers$/m);
      const missing = await runs(['r-none']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no run r-none in');
    });

    it('does not start on a policy file it cannot use, and says where and why', async () => {
      const bad = join(fixture.root, 'bad.toml');
      await writeFile(bad, 'deny = ["*.delete_*"]\nreadonly = true\n');
      const ran = await cli(fixture, ['--home', fixture.home, '--cwd', fixture.project], {
        engine,
        env: { MCP_BRIDGE_POLICY: bad },
      });
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(
        `code-exec-bridge: Invalid policy: ${bad}:2: unknown key \`readonly\` (known: allow, deny, read_only, max_tool_calls, max_calls_in_flight, rate_limits); fix it there, the bridge did not start`,
      );
    });
  });
}
