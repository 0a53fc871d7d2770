import { type DiscoveryResult, discover } from '@codexec/config-discovery';
import type { Logger } from './logger.js';
import type { Settings } from './settings.js';

export interface DiscoverServersOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  signal?: AbortSignal;
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
    allowSelf: settings.allowSelfServer,
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
