import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ON_CI } from '@codexec/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, test } from 'vitest';

// The built CLI, as the bridge's end-to-end tests and the benchmarks run it.
const main = new URL('../dist/main.js', import.meta.url);
const missing = !existsSync(main);
if (missing && !ON_CI) {
  console.warn(
    `\n!!! SKIPPING the test-server dist test: ${main.pathname} does not exist. ` +
      'Run `pnpm --filter @codexec/test-server build` (the test command builds first).\n',
  );
}

describe.skipIf(missing && !ON_CI)('@codexec/test-server dist', () => {
  test('the built CLI serves the tools over stdio, paginated on request', async () => {
    const client = new Client({ name: 'dist-test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [fileURLToPath(main), '--mode', 'paginated=2'],
        stderr: 'ignore',
      }),
    );
    try {
      const first = await client.listTools();
      expect(first.nextCursor).toBeDefined();
      const second = await client.listTools({ cursor: first.nextCursor });
      expect(second.nextCursor).toBeUndefined();
      expect([...first.tools, ...second.tools].map((tool) => tool.name)).toContain('echo');
      const result = await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
      expect(result.structuredContent).toEqual({ sum: 42 });
    } finally {
      await client.close();
    }
  }, 60_000);

  test('--http 0 prints the URL of a Streamable HTTP endpoint', async () => {
    const child = spawn(process.execPath, [fileURLToPath(main), '--http', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout }).once('line', resolve),
      );
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = new Client({ name: 'dist-test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const result = await client.callTool({ name: 'pid', arguments: {} });
      expect((result.structuredContent as { pid: number }).pid).toBe(child.pid);
      await client.close();
    } finally {
      child.kill();
    }
  }, 60_000);
});
