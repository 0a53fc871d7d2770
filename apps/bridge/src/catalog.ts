import type {
  DiscoveryResult,
  McpServerConfig,
  ServerSource,
  ServerTransport,
} from '@codexec/config-discovery';
import type { CatalogEntry, ServerOrigin } from './engine.js';

function origin(source: ServerSource): ServerOrigin {
  return {
    client: source.client,
    scope: source.scope,
    file: source.file,
    ...(source.line !== undefined ? { line: source.line } : {}),
  };
}

/**
 * A short hint of what a server runs, for when its config has no description: `npx server-filesystem`,
 * `uvx mcp-server-git`, `node main.ts`, `http api.example.com`. Pure.
 */
export function serverHint(transport: ServerTransport): string {
  if (transport.type !== 'stdio') {
    try {
      return `${transport.type} ${new URL(transport.url).host}`;
    } catch {
      return transport.type;
    }
  }
  const base = (path: string) => path.split(/[/\\]/).pop() ?? path;
  const command = base(transport.command);
  const first = transport.args.find((a) => !a.startsWith('-'));
  if (!first) return command;
  // `@modelcontextprotocol/server-filesystem@1.2` reads better as `server-filesystem`.
  const subject =
    first.startsWith('@') && first.includes('/') ? first.split('/')[1]!.replace(/@.*$/, '') : base(first);
  return `${command} ${subject}`;
}

/** The servers a run may load: the enabled winners of discovery, with what each shadows. Pure. */
export function catalogFrom(result: Pick<DiscoveryResult, 'servers' | 'shadowed'>): CatalogEntry[] {
  return result.servers
    .filter((s) => s.enabled)
    .map((server: McpServerConfig) => ({
      name: server.name,
      summary: server.description?.trim() || serverHint(server.transport),
      transport: server.transport.type,
      source: origin(server.source),
      shadows: result.shadowed
        .filter((s) => s.server.name === server.name)
        .map((s) => origin(s.server.source)),
    }));
}
