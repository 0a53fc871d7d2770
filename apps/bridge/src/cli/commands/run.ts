import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createBridge } from '../../composition.js';
import { BridgeError } from '../../errors.js';
import { checkRunArguments } from '../../run-arguments.js';
import { maxTimeoutSeconds } from '../../settings.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../io.js';
import type { CommandContext } from '../main.js';

/** `run FILE|-`: runs the code with the discovered servers and prints the rendered result. */
export async function runCommand({
  io,
  settings,
  flags,
  positionals,
  logger,
}: CommandContext): Promise<number> {
  const source = positionals[0];
  if (source === undefined) {
    throw new BridgeError('USAGE', 'run needs the code: a file name, or - to read it from stdin.');
  }
  const code = source === '-' ? await readAll(io.stdin) : await readCode(source);
  const servers = (Array.isArray(flags.servers) ? flags.servers : [])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);

  // One run: a warm container waiting for a second run would only be started to be removed.
  const bridge = await createBridge({
    // One run: no warm container to wait for, no session to keep.
    settings: { ...settings, poolSize: 0, session: 'fresh' },
    env: io.env,
    logger,
    signal: io.signal,
  });
  try {
    const check = checkRunArguments(
      { code, servers },
      {
        known: bridge.engine.catalog().map((c) => c.name),
        defaultTimeoutMs: settings.timeoutMs,
        maxTimeoutSeconds: maxTimeoutSeconds(settings),
      },
    );
    if (!check.ok) {
      io.stdout.write(`${bridge.engine.rejected(check.problems).text}\n`);
      return EXIT_USAGE;
    }
    const report = await bridge.engine.run(check.value, {
      signal: io.signal,
      connection: 'cli',
      onToolCall: (call) => logger.debug('tool call', { ...call }),
    });
    io.stdout.write(report.text.endsWith('\n') ? report.text : `${report.text}\n`);
    return report.status === 'success' ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await bridge.close();
  }
}

async function readCode(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new BridgeError(
      'INPUT_UNREADABLE',
      `Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give a readable file, or - for stdin.`,
      { cause: error },
    );
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
