import type { Diagnostic } from '../diagnostics.js';
import type { DiscoveryResult } from '../discover.js';
import { containsVariableReference, type ExpansionSyntax } from '../expand.js';
import { type ConfigFileSystem, createNodeFileSystem } from '../file-system.js';
import type { Env } from '../platform-paths.js';
import { expansionSyntaxOf, resolveServer } from '../resolve.js';
import type { McpServerConfig, ServerSource } from '../server.js';
import { type Finding, type FindingLocation, SEVERITY_ORDER } from './findings.js';
import { isPinnedSpec, parseRunnerInvocation } from './package-runners.js';
import { findSecret, findUrlSecret, redactSecret, type SecretMatch } from './secrets.js';
import { type Which, whichOnPath } from './which.js';

export interface AuditOptions {
  /** Environment used to resolve variables before checking commands and URLs. @default process.env */
  env?: Env;
  /** Where file modes come from when the discovery result has none. @default createNodeFileSystem() */
  fs?: Pick<ConfigFileSystem, 'stat'>;
  /** Command lookup. @default a search of the real PATH */
  which?: Which;
  /**
   * Says why an entry would start the auditing program itself (the rule a caller gives discovery's `exclude`): a
   * kept entry it matches is a `self-reference` finding, a loop waiting to happen.
   * @default no such check
   */
  selfReference?: (server: McpServerConfig) => string | undefined;
  signal?: AbortSignal;
}

function location(source: ServerSource, ...field: (string | number)[]): FindingLocation {
  return {
    file: source.file,
    path: [...source.path, ...field],
    ...(source.line !== undefined ? { line: source.line } : {}),
  };
}

function referenceExample(syntax: ExpansionSyntax, name: string): string {
  switch (syntax) {
    case 'claude':
      return `"\${${name}}"`;
    case 'vscode':
      return `"\${input:${name.toLowerCase()}}" (with an "inputs" prompt) or "\${env:${name}}"`;
    case 'cursor':
    case 'env-prefixed':
      return `"\${env:${name}}"`;
    case 'gemini':
      return `"$${name}"`;
    case 'opencode':
      return `"{env:${name}}"`;
    case 'none':
      return '';
  }
}

function secretHint(server: McpServerConfig, name: string): string {
  if (server.source.client === 'codex') {
    return server.transport.type === 'stdio'
      ? `Export ${name} in the environment Codex starts in and list it in env_vars; then rotate the secret.`
      : 'Put the token in an environment variable and name it in bearer_token_env_var or env_http_headers; then rotate it.';
  }
  const example = referenceExample(expansionSyntaxOf(server), name);
  return example === ''
    ? `This client expands no variables: keep the secret out of the file (a wrapper script that reads it from a secret store), then rotate it.`
    : `Replace it with ${example} and set ${name} in the environment, then rotate the secret: it has been on disk.`;
}

function secretFindings(server: McpServerConfig): Finding[] {
  const findings: Finding[] = [];
  const add = (match: SecretMatch, where: string, name: string, field: (string | number)[]) => {
    findings.push({
      ruleId: 'secret-in-config',
      severity: match.evidence === 'entropy' ? 'medium' : 'high',
      message: `server "${server.name}" has a ${match.kind} in plain text in ${where} (${redactSecret(match.secret)})`,
      location: location(server.source, ...field),
      hint: secretHint(server, name),
      server: server.name,
      client: server.source.client,
    });
  };
  const t = server.transport;
  if (t.type === 'stdio') {
    for (const [key, value] of Object.entries(t.env)) {
      const match = findSecret(value, key);
      if (match) add(match, `env ${key}`, key, ['env', key]);
    }
    t.args.forEach((arg, index) => {
      // `--token=abc` and `--token abc` carry their flag's name; `KEY=value` its key.
      const inline = /^-{0,2}([A-Za-z0-9_.-]+)=(.*)$/.exec(arg);
      const previous = index > 0 ? t.args[index - 1] : undefined;
      const flagName = inline?.[1] ?? (previous?.startsWith('-') ? previous.replace(/^-+/, '') : undefined);
      const match = findSecret(inline?.[2] ?? arg, flagName);
      if (match)
        add(
          match,
          `argument ${index + 1}`,
          flagName?.toUpperCase().replace(/[^A-Z0-9]/g, '_') || 'API_TOKEN',
          ['args', index],
        );
    });
    const commandMatch = findSecret(t.command);
    if (commandMatch?.evidence === 'shape') add(commandMatch, 'the command', 'API_TOKEN', ['command']);
  } else {
    const urlMatch = findUrlSecret(t.url);
    if (urlMatch) add(urlMatch, 'the URL', 'API_TOKEN', ['url']);
    for (const [key, value] of Object.entries(t.headers)) {
      const match = findSecret(value, key);
      if (match) add(match, `header ${key}`, key.toUpperCase().replace(/[^A-Z0-9]/g, '_'), ['headers', key]);
    }
  }
  return findings;
}

function runnerFindings(server: McpServerConfig): Finding[] {
  if (server.transport.type !== 'stdio') return [];
  const invocation = parseRunnerInvocation(server.transport.command, server.transport.args);
  if (!invocation) return [];
  const findings: Finding[] = [];
  const common = {
    server: server.name,
    client: server.source.client,
    location: location(server.source, 'args'),
  };
  const unpinned = invocation.packages.filter((spec) => !isPinnedSpec(spec, invocation.ecosystem));
  for (const spec of unpinned) {
    findings.push({
      ruleId: 'unpinned-package',
      severity: 'medium',
      message: `server "${server.name}" runs ${invocation.runner} ${spec} without a pinned version: every start may fetch a new, unreviewed release`,
      hint:
        invocation.ecosystem === 'npm'
          ? `Pin an exact version, e.g. ${spec.replace(/(.)@[^@]*$/, '$1')}@<version>, or install it and run the installed binary.`
          : `Pin an exact version, e.g. ${spec.replace(/(==|@).*$/, '')}==<version>, or install it and run the installed binary.`,
      ...common,
    });
  }
  if (invocation.packages.length === 0) {
    findings.push({
      ruleId: 'unpinned-package',
      severity: 'medium',
      message: `server "${server.name}" runs ${invocation.runner} but no package could be read from its arguments`,
      hint: 'Name the package with an exact version.',
      ...common,
    });
  }
  if (invocation.autoInstallFlag !== undefined) {
    findings.push({
      ruleId: 'auto-install-flag',
      severity: 'low',
      message: `server "${server.name}" passes ${invocation.autoInstallFlag} to ${invocation.runner}: packages are installed without asking`,
      hint: 'Pin the version and drop the flag, or install the package ahead of time.',
      ...common,
    });
  }
  return findings;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0.0.0.0' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

function httpFindings(raw: McpServerConfig, resolved: McpServerConfig): Finding[] {
  const t = resolved.transport;
  if (t.type === 'stdio') return [];
  const common = { server: raw.name, client: raw.source.client, location: location(raw.source, 'url') };
  let url: URL;
  try {
    url = new URL(t.url);
  } catch {
    if (containsVariableReference(t.url)) return [];
    return [
      {
        ruleId: 'invalid-entry',
        severity: 'medium',
        message: `server "${raw.name}" has a URL that does not parse: ${t.url}`,
        hint: 'Write an absolute http(s) URL.',
        ...common,
      },
    ];
  }
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return [];
  const sendsCredentials = Object.keys(t.headers).some((h) => /authorization|token|key|cookie/i.test(h));
  return [
    {
      ruleId: 'insecure-http',
      severity: sendsCredentials ? 'high' : 'medium',
      message: `server "${raw.name}" is reached over plain http at ${url.host}${sendsCredentials ? ', with credentials in its headers' : ''}: traffic can be read and changed on the way`,
      hint: `Use https://${url.host}${url.pathname}, or reach it through localhost only.`,
      ...common,
    },
  ];
}

async function commandFindings(
  raw: McpServerConfig,
  resolved: McpServerConfig,
  which: Which,
  env: Env,
  cwd: string,
  platform: NodeJS.Platform,
): Promise<Finding[]> {
  const t = resolved.transport;
  if (t.type !== 'stdio' || !raw.enabled) return [];
  if (containsVariableReference(t.command)) return [];
  const found = await which(t.command, { env, cwd: t.cwd ?? cwd, platform });
  if (found !== undefined) return [];
  return [
    {
      ruleId: 'command-not-found',
      severity: 'medium',
      message: `server "${raw.name}" runs "${t.command}", which is not found on PATH: it will fail to start`,
      hint: `Install ${t.command}, write its absolute path, or remove the entry.`,
      server: raw.name,
      client: raw.source.client,
      location: location(raw.source, 'command'),
    },
  ];
}

function fingerprint(server: McpServerConfig): string {
  const t = server.transport;
  const sortMap = (map: Record<string, string>) =>
    Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(
    t.type === 'stdio'
      ? ['stdio', t.command, t.args, sortMap(t.env), t.cwd ?? null]
      : [t.type, t.url, sortMap(t.headers)],
  );
}

function describeSource(source: ServerSource): string {
  return `${source.client} ${source.scope} (${source.file})`;
}

function conflictFindings(result: DiscoveryResult): Finding[] {
  const findings: Finding[] = [];
  for (const winner of result.servers) {
    const losers = result.shadowed.filter((s) => s.server.name === winner.name).map((s) => s.server);
    const differing = losers.filter((loser) => fingerprint(loser) !== fingerprint(winner));
    if (differing.length === 0) continue;
    findings.push({
      ruleId: 'conflicting-definitions',
      severity: 'low',
      message: `server "${winner.name}" is defined differently in ${differing.length + 1} places; ${describeSource(winner.source)} wins over ${differing.map((d) => describeSource(d.source)).join(', ')}`,
      hint: 'Remove or rename the copies you do not want, so every client starts the same server under this name.',
      server: winner.name,
      client: winner.source.client,
      location: location(winner.source),
    });
  }
  return findings;
}

const DIAGNOSTIC_RULES: Partial<Record<Diagnostic['code'], Finding['ruleId']>> = {
  'invalid-entry': 'invalid-entry',
  'invalid-section': 'invalid-entry',
  'parse-error': 'invalid-config-file',
  'invalid-root': 'invalid-config-file',
  'file-too-large': 'unreadable-config-file',
  'not-a-file': 'unreadable-config-file',
  'symlink-loop': 'unreadable-config-file',
  'permission-denied': 'unreadable-config-file',
  'read-failed': 'unreadable-config-file',
};

function diagnosticFindings(result: DiscoveryResult): Finding[] {
  const findings: Finding[] = [];
  for (const diagnostic of result.diagnostics) {
    const ruleId = DIAGNOSTIC_RULES[diagnostic.code];
    if (!ruleId || diagnostic.file === undefined) continue;
    findings.push({
      ruleId,
      severity: ruleId === 'unreadable-config-file' ? 'low' : 'medium',
      message: diagnostic.message,
      hint:
        ruleId === 'invalid-entry'
          ? 'Fix the entry to the client format, or remove it.'
          : ruleId === 'invalid-config-file'
            ? 'Fix the syntax at the reported line; until then the client ignores (or refuses) this file.'
            : 'Make it a readable regular file below the size limit, or remove it.',
      location: {
        file: diagnostic.file,
        path: diagnostic.path ?? [],
        ...(diagnostic.line !== undefined ? { line: diagnostic.line } : {}),
      },
      ...(diagnostic.server !== undefined ? { server: diagnostic.server } : {}),
      ...(diagnostic.client !== undefined ? { client: diagnostic.client } : {}),
    });
  }
  return findings;
}

function selfReferenceFindings(result: DiscoveryResult, options: AuditOptions): Finding[] {
  const findings: Finding[] = [];
  for (const { server, reason } of result.skipped) {
    findings.push({
      ruleId: 'excluded',
      severity: 'low',
      message: `server "${server.name}" is left out: ${reason}`,
      hint: 'Remove the entry from the configs if it is not wanted there.',
      server: server.name,
      client: server.source.client,
      location: location(server.source),
    });
  }
  for (const server of options.selfReference ? result.servers : []) {
    const reason = options.selfReference!(server);
    if (reason === undefined) continue;
    findings.push({
      ruleId: 'self-reference',
      severity: 'medium',
      message: `server "${server.name}" would start the auditing program itself (${reason}), and it is kept: an instance inside the instance`,
      hint: 'Remove the entry unless a second instance inside the first is intended.',
      server: server.name,
      client: server.source.client,
      location: location(server.source),
    });
  }
  return findings;
}

async function permissionFindings(
  result: DiscoveryResult,
  secretFiles: Set<string>,
  fs: Pick<ConfigFileSystem, 'stat'> | undefined,
): Promise<Finding[]> {
  if (result.context.platform === 'win32') return [];
  const findings: Finding[] = [];
  for (const file of [...secretFiles].sort()) {
    const report = result.sources.find((s) => s.file === file);
    const mode = report?.mode ?? (await fs?.stat?.(file))?.mode;
    if (mode === undefined || (mode & 0o044) === 0) continue;
    const who = [mode & 0o040 ? 'its group' : '', mode & 0o004 ? 'every user' : '']
      .filter(Boolean)
      .join(' and ');
    findings.push({
      ruleId: 'secret-file-permissions',
      severity: mode & 0o004 ? 'high' : 'medium',
      message: `${file} holds secrets and is readable by ${who} (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`,
      hint: `Run chmod 600 "${file}", then rotate the secrets it held.`,
      location: { file, path: [] },
      ...(report ? { client: report.client } : {}),
    });
  }
  return findings;
}

function compareFindings(a: Finding, b: Finding): number {
  const str = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    str(a.location.file, b.location.file) ||
    str(JSON.stringify(a.location.path), JSON.stringify(b.location.path)) ||
    str(a.ruleId, b.ruleId) ||
    str(a.message, b.message)
  );
}

/**
 * Checks a discovery result for risky or broken configuration. Secrets are looked for in every definition
 * (winners, shadowed and skipped: all are on disk); commands, package pins and URLs are checked for the winners
 * that would run. Secrets are never printed in full.
 */
export async function audit(result: DiscoveryResult, options: AuditOptions = {}): Promise<Finding[]> {
  const env = options.env ?? process.env;
  const which = options.which ?? whichOnPath;
  const { cwd, home, platform } = result.context;
  const findings: Finding[] = [];
  const secretFiles = new Set<string>();
  const everyDefinition = [
    ...result.servers,
    ...result.shadowed.map((s) => s.server),
    ...result.skipped.map((s) => s.server),
  ];
  for (const server of everyDefinition) {
    const secrets = secretFindings(server);
    if (secrets.length > 0) secretFiles.add(server.source.file);
    findings.push(...secrets);
  }
  for (const server of result.servers) {
    options.signal?.throwIfAborted();
    const resolved = resolveServer(server, { env, cwd, home, platform }).server;
    if (server.enabled) findings.push(...runnerFindings(server));
    findings.push(...httpFindings(server, resolved));
    findings.push(...(await commandFindings(server, resolved, which, env, cwd, platform)));
  }
  findings.push(...conflictFindings(result));
  findings.push(...diagnosticFindings(result));
  findings.push(...selfReferenceFindings(result, options));
  findings.push(...(await permissionFindings(result, secretFiles, options.fs ?? createNodeFileSystem())));
  return findings.sort(compareFindings);
}
