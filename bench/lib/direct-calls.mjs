// The baseline of a proxied call: a fresh Node process that connects to one MCP server with the SDK's client, as an
// agent without the bridge would, and times calls of one tool one after another. Prints the samples (ms) as JSON.
//
//   node direct-calls.mjs <tool> <arguments JSON> <calls> <warm-up ms> -- <command> [args...]
//
// With a warm-up of 0 the samples are the first calls of a freshly started client; otherwise the tool is called
// for that long first, untimed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [tool, argumentsJson, callsText, warmUpText, separator, command, ...args] = process.argv.slice(2);
if (separator !== '--' || !command) {
  console.error(
    'usage: direct-calls.mjs <tool> <arguments JSON> <calls> <warm-up ms> -- <command> [args...]',
  );
  process.exit(2);
}
const toolArguments = JSON.parse(argumentsJson);
const calls = Number(callsText);
const warmUpMs = Number(warmUpText);

const client = new Client({ name: 'codexec-bench-direct', version: '0.0.0' });
await client.connect(new StdioClientTransport({ command, args, env: { ...process.env }, stderr: 'ignore' }));
const call = () => client.callTool({ name: tool, arguments: toolArguments });
const warmUntil = performance.now() + warmUpMs;
while (performance.now() < warmUntil) await call();
const samples = [];
for (let i = 0; i < calls; i += 1) {
  const started = performance.now();
  const result = await call();
  samples.push(performance.now() - started);
  if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
}
process.stdout.write(`${JSON.stringify(samples)}\n`);
await client.close();
process.exit(0);
