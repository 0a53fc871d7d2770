import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bridgeEnv,
  createFixture,
  DIST_CLI,
  distStatus,
  engineStatus,
  type Fixture,
  initializeRequest,
  LONG,
  shouldSkip,
} from './harness.js';

// Any stray byte on stdout breaks an MCP client over stdio. This speaks raw JSON-RPC lines to the built bridge,
// with debug logging, upstream servers that chatter on stderr, a config with problems, and code that prints in
// every way it can, then checks that every line on stdout is a JSON-RPC message.

const skip = shouldSkip(distStatus(), await engineStatus('podman'));

describe.skipIf(skip)('stdout of the bridge over stdio', { timeout: LONG }, () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await createFixture({ broken: { command: '/nonexistent/server', args: [] } });
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it(
    'carries only MCP messages',
    async () => {
      const child = spawn(process.execPath, [DIST_CLI, '--home', fixture.home, '--cwd', fixture.project], {
        env: bridgeEnv(fixture, 'podman', { MCP_BRIDGE_LOG_LEVEL: 'debug' }),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
      const answered = (id: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no answer to ${id}; stderr:\n${stderr.slice(-2000)}`)),
            LONG,
          );
          const check = () => {
            if (
              stdout.split('\n').some((line) => line.includes(`"id":${id},`) || line.includes(`"id":${id}}`))
            ) {
              clearTimeout(timer);
              resolve();
            } else setTimeout(check, 50);
          };
          check();
        });

      send(initializeRequest('raw'));
      await answered(1);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      const code = [
        'import os, sys, subprocess',
        'print("plain print")',
        'sys.stdout.write("no newline")',
        'sys.stderr.write("to stderr\\n")',
        'os.system("echo from a shell")',
        'subprocess.run(["echo", "from a subprocess"])',
        'os.write(1, b"raw fd 1\\n")',
        'await mcp_test.echo(note="upstream")',
      ].join('\n');
      send({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'run_python', arguments: { code, servers: ['test'] } },
      });
      send({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'run_python', arguments: { code: 'x', servers: ['broken'] } },
      });
      await Promise.all([answered(2), answered(3), answered(4)]);
      child.stdin.end();
      const code_ = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      const lines = stdout.split('\n').filter((line) => line !== '');
      expect(lines.length).toBeGreaterThanOrEqual(4);
      for (const line of lines) {
        const message = JSON.parse(line) as { jsonrpc?: string };
        expect(message.jsonrpc).toBe('2.0');
      }
      expect(stdout.endsWith('\n')).toBe(true);
      // What the code printed came back inside the result, not on the bridge's stdout.
      const result = lines.map((l) => JSON.parse(l)).find((m) => m.id === 3);
      expect(JSON.stringify(result.result.structuredContent.stdout)).toContain('from a shell');
      const broken = lines.map((l) => JSON.parse(l)).find((m) => m.id === 4);
      expect(broken.result.structuredContent.status).toBe('error');
      expect(stderr).toMatch(/DEBUG/);
      expect(code_).toBe(0);
    },
    LONG,
  );
});
