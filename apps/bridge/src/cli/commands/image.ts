import { selectEngine } from '../../container-engine.js';
import { EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

/** `image pull`: pulls the sandbox image with the engine's progress on stderr. */
export async function imagePullCommand({ io, settings, logger }: CommandContext): Promise<number> {
  const { runtime, info } = await selectEngine(settings, { logger, signal: io.signal });
  io.stderr.write(`Pulling ${settings.image} with ${info.engine} ${info.version}\n`);
  const started = Date.now();
  await runtime.pullImage(settings.image, {
    signal: io.signal,
    onProgress: (progress) => io.stderr.write(`  ${progress.message}\n`),
  });
  io.stdout.write(`${settings.image} is ready (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
  return EXIT_OK;
}
