import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ON_CI } from '@codexec/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fake-engine.js';

// The built library entry (dist/index.js): what `import … from '@codexec/code-exec-bridge'` gets.

const DIST = new URL('../dist/index.js', import.meta.url);
const built = existsSync(DIST);
if (!built && !ON_CI) {
  console.warn(
    '\n*** SKIPPING bridge dist test: dist/index.js is missing; run pnpm --filter @codexec/code-exec-bridge build ***\n',
  );
}

describe.skipIf(!built && !ON_CI)('the built bridge library', { timeout: 120_000 }, () => {
  it('exports the settings, the MCP server and the version of package.json', async () => {
    const dist = (await import(DIST.href)) as typeof import('../src/index.js');
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(dist.VERSION).toBe(manifest.version);

    const settings = dist.resolveSettings({ env: { MCP_BRIDGE_TIMEOUT: '45s' }, home: '/h', cwd: '/w' });
    expect(settings.timeoutMs).toBe(45_000);
    expect(() => dist.resolveSettings({ env: { MCP_BRIDGE_PIDS: 'x' }, home: '/h', cwd: '/w' })).toThrow(
      dist.BridgeError,
    );

    const engine = new FakeEngine();
    const server = dist.createBridgeServer({
      engine,
      settings,
      limits: { memory: '512m', pids: 128, user: '65534:65534' },
      version: dist.VERSION,
      logger: dist.silentLogger,
    });
    const client = new Client({ name: 'dist-test', version: '0' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    await client.connect(b);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([dist.TOOL_NAME]);
    const result = await client.callTool({ name: dist.TOOL_NAME, arguments: { code: 'print(1)' } });
    expect(result.structuredContent).toMatchObject({ status: 'success' });
    const refused = await client.callTool({ name: dist.TOOL_NAME, arguments: {} });
    expect(refused.structuredContent).toMatchObject({ status: 'validation_error' });
    await client.close();
  });
});
