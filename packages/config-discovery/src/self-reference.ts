import type { McpServerConfig } from './server.js';

/** The package, the bin, and the original Python bridge's name: an entry naming any of them would start a
 * bridge inside the bridge. */
export const SELF_REFERENCE_NAMES = [
  '@codexec/code-exec-bridge',
  'code-exec-bridge',
  'mcp-server-code-execution-mode',
] as const;

const BARE_NAMES = new Set(['code-exec-bridge', 'mcp-server-code-execution-mode']);

function normalise(token: string): string {
  return token.toLowerCase().replace(/_/g, '-');
}

function baseName(token: string): string {
  const last = token.split(/[/\\]/).pop() ?? token;
  // `code-exec-bridge@1.2.3` is still the bridge; a leading `@` (a scope) is not a version.
  return last.replace(/\.(exe|cmd|bat|ps1|js|mjs|cjs|py)$/i, '').replace(/(.)@[^@]*$/, '$1');
}

function namesSelf(token: string): boolean {
  const value = normalise(token);
  if (value.includes('@codexec/code-exec-bridge')) return true;
  return BARE_NAMES.has(normalise(baseName(token)));
}

/** Says why an entry would start this bridge itself, or `undefined` when it would not. Pure. */
export function selfReferenceReason(server: McpServerConfig): string | undefined {
  if (namesSelf(server.name) || BARE_NAMES.has(normalise(server.name)))
    return `its name "${server.name}" is this bridge's`;
  const transport = server.transport;
  if (transport.type !== 'stdio') return undefined;
  if (namesSelf(transport.command)) return `its command "${transport.command}" starts this bridge`;
  const arg = transport.args.find(namesSelf);
  if (arg !== undefined) return `its argument "${arg}" starts this bridge`;
  return undefined;
}

/** `1`, `true`, `yes` and `on` (any case) are true. */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}
