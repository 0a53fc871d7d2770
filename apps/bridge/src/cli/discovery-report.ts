import type { DiscoveryResult, McpServerConfig, ServerSource } from '@codexec/config-discovery';
import { serverHint } from '../catalog.js';
import { formatTable, tildePath } from './table.js';

const REDACTED = '<redacted>';

function where(source: ServerSource, home: string): string {
  return `${tildePath(source.file, home)}${source.line !== undefined ? `:${source.line}` : ''}`;
}

/** The human report of `discover`: servers, what shadows what, skipped entries, files read, diagnostics. Pure. */
export function formatDiscovery(result: DiscoveryResult): string {
  const home = result.context.home;
  const out: string[] = [];
  if (result.servers.length === 0) {
    out.push('No MCP servers found.');
  } else {
    out.push(
      formatTable(
        ['NAME', 'STATE', 'TRANSPORT', 'RUNS', 'CLIENT', 'SCOPE', 'FILE'],
        result.servers.map((s) => [
          s.name,
          s.enabled ? 'enabled' : 'disabled',
          s.transport.type,
          serverHint(s.transport),
          s.source.client,
          s.source.scope,
          where(s.source, home),
        ]),
      ),
    );
  }
  if (result.shadowed.length) {
    out.push('', 'Shadowed (the same name defined with lower priority):');
    for (const s of result.shadowed) {
      out.push(
        `  ${s.server.name}: ${s.server.source.client} ${s.server.source.scope} ${where(s.server.source, home)}` +
          `  is hidden by  ${s.shadowedBy.client} ${s.shadowedBy.scope} ${where(s.shadowedBy, home)}`,
      );
    }
  }
  if (result.skipped.length) {
    out.push('', 'Skipped:');
    for (const s of result.skipped)
      out.push(`  ${s.server.name} (${where(s.server.source, home)}): ${s.reason}`);
  }
  const found = result.sources.filter((s) => s.status === 'found');
  const failed = result.sources.filter((s) => s.status === 'error');
  out.push(
    '',
    `Looked at ${result.sources.length} locations: ${found.length} found, ${failed.length} unreadable, ` +
      `${result.sources.length - found.length - failed.length} absent.`,
  );
  for (const s of found) {
    out.push(
      `  ${s.client.padEnd(14)} ${s.scope.padEnd(8)} ${tildePath(s.file, home)} (${s.servers} servers)`,
    );
  }
  for (const s of failed)
    out.push(`  ${s.client.padEnd(14)} ${s.scope.padEnd(8)} ${tildePath(s.file, home)}: ${s.error}`);
  if (result.diagnostics.length) {
    out.push('', 'Diagnostics:');
    for (const d of result.diagnostics) out.push(`  ${d.severity.padEnd(7)} ${d.code}: ${d.message}`);
  }
  return `${out.join('\n')}\n`;
}

/** Environment values and header values may be secrets; the report shows their names only. */
export function redactServer(server: McpServerConfig): McpServerConfig {
  const t = server.transport;
  if (t.type === 'stdio') {
    return {
      ...server,
      transport: { ...t, env: Object.fromEntries(Object.keys(t.env).map((k) => [k, REDACTED])) },
    };
  }
  return {
    ...server,
    transport: { ...t, headers: Object.fromEntries(Object.keys(t.headers).map((k) => [k, REDACTED])) },
  };
}

/** The machine-readable report of `discover --json`, with environment and header values redacted. Pure. */
export function discoveryJson(result: DiscoveryResult): Record<string, unknown> {
  return {
    context: result.context,
    servers: result.servers.map(redactServer),
    shadowed: result.shadowed.map((s) => ({ server: redactServer(s.server), shadowedBy: s.shadowedBy })),
    skipped: result.skipped.map((s) => ({ server: redactServer(s.server), reason: s.reason })),
    sources: result.sources,
    diagnostics: result.diagnostics,
  };
}
