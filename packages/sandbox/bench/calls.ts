/**
 * Round trip of one tool call from code in the sandbox to a tool host that answers at once, on a warm container:
 * what the sandbox itself adds to every proxied call (the bridge adds its upstream connection on top).
 * Run from the repository root:
 *   pnpm exec tsx --conditions=@codexec/source packages/sandbox/bench/calls.ts [calls]
 */
import { createPodmanRuntime } from '@codexec/container-runtime';
import { createSandbox } from '../src/index.js';

const CALLS = Number(process.argv[2] ?? 2000);
const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';

const sandbox = createSandbox({ runtime: createPodmanRuntime(), image: IMAGE, pool: { size: 1 } });
const servers = [
  {
    name: 'host',
    tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } }],
  },
];
const result = await sandbox.run({
  code: [
    'import time, statistics',
    'await mcp_host.echo(message="warm-up")',
    'samples = []',
    `for _ in range(${CALLS}):`,
    '    t0 = time.perf_counter()',
    '    await mcp_host.echo(message="x")',
    '    samples.append((time.perf_counter() - t0) * 1000)',
    'samples.sort()',
    '{"median_ms": round(statistics.median(samples), 4), "p95_ms": round(samples[int(len(samples) * 0.95)], 4)}',
  ].join('\n'),
  servers,
  toolHost: {
    async callTool(_server, _tool, args) {
      return { content: [{ type: 'text', text: String(args.message) }] };
    },
  },
  timeoutMs: 300_000,
});
await sandbox.close();
console.log(result.status === 'success' ? result.value?.json : result.error);
