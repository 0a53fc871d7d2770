#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { serveHttp } from './http.js';
import { parseOptions, UsageError } from './options.js';
import { createState, createTestServer, spawnChild } from './server.js';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const state = createState();
  if (options.chatter) process.stderr.write(`[${options.name} ${process.pid}] starting\n`);
  if (options.exitAtStart !== undefined) {
    process.stderr.write(`exit-at-start: exiting with code ${options.exitAtStart} before speaking MCP\n`);
    process.exit(options.exitAtStart);
  }
  if (options.silent) {
    process.stderr.write(`silent: pid ${process.pid} never answering\n`);
    setInterval(() => {}, 1 << 30);
    return;
  }
  if (options.spawnChild) spawnChild(state);

  if (options.httpPort !== undefined) {
    const server = await serveHttp(options, state);
    process.stdout.write(`${server.url}\n`);
    const stop = () => {
      state.child?.kill();
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  await createTestServer(options, state).connect(new StdioServerTransport());
  // Without a child keeping it alive, the process ends by itself when stdin closes.
  process.stdin.once('end', () => state.child?.unref());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof UsageError ? error.message : String(error)}\n`);
  process.exit(2);
});
