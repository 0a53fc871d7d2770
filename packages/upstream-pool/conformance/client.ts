// The client the MCP conformance suite drives (see run.sh): the suite starts a test server for one scenario,
// runs this script with the server's URL as the last argument and the scenario in MCP_CONFORMANCE_SCENARIO,
// then judges what it saw on the wire. The script uses nothing but the pool's public API.
import { createUpstreamPool, type Logger } from '../src/index.js';

const url = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
if (!url?.startsWith('http')) {
  process.stderr.write('usage: client.ts <server-url>  (MCP_CONFORMANCE_SCENARIO names the scenario)\n');
  process.exit(2);
}

/** What each scenario expects the client to call after listing the tools. */
const CALLS: Record<string, { tool: string; args: Record<string, unknown> }[]> = {
  initialize: [],
  tools_call: [{ tool: 'add_numbers', args: { a: 5, b: 3 } }],
  'sse-retry': [{ tool: 'test_reconnection', args: {} }],
};

const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
  process.stderr.write(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

const pool = createUpstreamPool({
  servers: [{ name: 'conformance', transport: { type: 'http', url, headers: {} } }],
  logger,
  callTimeoutMs: 20_000,
});
let failed = false;
try {
  const { tools, serverInfo } = await pool.metadata('conformance');
  const names = tools.map((tool) => tool.name).join(', ') || '(none)';
  process.stdout.write(`connected to ${serverInfo?.name ?? '?'}; tools: ${names}\n`);
  for (const { tool, args } of CALLS[scenario] ?? []) {
    const result = await pool.callTool('conformance', tool, args);
    process.stdout.write(`${tool}: ${JSON.stringify(result.content)}${result.isError ? ' (isError)' : ''}\n`);
    failed ||= result.isError === true;
  }
} catch (error) {
  process.stderr.write(
    `scenario ${scenario} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  failed = true;
} finally {
  await pool.close();
}
process.exit(failed ? 1 : 0);
