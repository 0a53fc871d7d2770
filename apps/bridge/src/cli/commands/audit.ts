import { audit, formatFindingsTable, toSarif } from '@codexec/config-discovery';
import { discoverServers, selfServer } from '../../discovery.js';
import { BridgeError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { EXIT_FAILURE, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

/** `audit`: findings as a table, JSON or SARIF; exit 1 when any is high. */
export async function auditCommand({ io, settings, flags, logger }: CommandContext): Promise<number> {
  if (flags.json && flags.sarif) throw new BridgeError('USAGE', 'Choose one of --json and --sarif.');
  const result = await discoverServers(settings, { env: io.env, logger, signal: io.signal });
  const findings = await audit(result, {
    env: io.env,
    signal: io.signal,
    selfReference: selfServer(settings, io.env),
  });
  if (flags.sarif) {
    const sarif = toSarif(findings, {
      toolName: 'code-exec-bridge',
      toolVersion: VERSION,
    });
    io.stdout.write(`${JSON.stringify(sarif, null, 2)}\n`);
  } else if (flags.json) {
    io.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
  } else {
    io.stdout.write(formatFindingsTable(findings));
  }
  return findings.some((f) => f.severity === 'high') ? EXIT_FAILURE : EXIT_OK;
}
