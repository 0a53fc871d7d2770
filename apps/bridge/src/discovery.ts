import { type DiscoveryResult, discover, type McpServerConfig } from '@codexec/config-discovery';
import type { Logger } from './logger.js';
import { selfIdentity, selfServerReason } from './self-server.js';
import type { Settings } from './settings.js';

export interface DiscoverServersOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Why an entry would start this bridge itself, in the words of a skipped entry's diagnostic; undefined when it
 * would not. By name (the package, its bin, the original bridge's), and by where its command, its arguments and a
 * package manager's `start` lead on disk (real paths compared with this bridge's own files).
 */
export function selfServer(
  settings: Pick<Settings, 'cwd'>,
  env: Record<string, string | undefined>,
): (server: McpServerConfig) => string | undefined {
  const self = selfIdentity();
  return (server) => {
    const reason = selfServerReason(server, self, { cwd: settings.cwd, path: env.PATH });
    return reason === undefined
      ? undefined
      : `${reason}, and offering the bridge to the code through itself would loop; remove the entry, or set ` +
          'MCP_BRIDGE_ALLOW_SELF_SERVER=1 if it is another instance on purpose';
  };
}

/** Discovery as the settings ask for it: their home and project directory, extra files first, the self guard. */
export function discoverServers(
  settings: Pick<Settings, 'home' | 'cwd' | 'serversConfig' | 'allowSelfServer'>,
  options: DiscoverServersOptions,
): Promise<DiscoveryResult> {
  return discover({
    cwd: settings.cwd,
    home: settings.home,
    env: options.env,
    explicit: settings.serversConfig,
    ...(settings.allowSelfServer ? {} : { exclude: selfServer(settings, options.env) }),
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
