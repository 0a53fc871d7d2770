import { discoverServers } from '../../discovery.js';
import { discoveryJson, formatDiscovery } from '../discovery-report.js';
import { EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

/** `discover`: every configured server, its source, what shadows what, and the diagnostics. */
export async function discoverCommand({ io, settings, flags, logger }: CommandContext): Promise<number> {
  const result = await discoverServers(settings, { env: io.env, logger, signal: io.signal });
  io.stdout.write(
    flags.json ? `${JSON.stringify(discoveryJson(result), null, 2)}\n` : formatDiscovery(result),
  );
  return EXIT_OK;
}
