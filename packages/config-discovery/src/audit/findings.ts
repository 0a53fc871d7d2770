export type FindingSeverity = 'high' | 'medium' | 'low' | 'info';

export type AuditRuleId =
  | 'secret-in-config'
  | 'secret-file-permissions'
  | 'unpinned-package'
  | 'auto-install-flag'
  | 'command-not-found'
  | 'insecure-http'
  | 'conflicting-definitions'
  | 'invalid-entry'
  | 'invalid-config-file'
  | 'unreadable-config-file'
  | 'excluded'
  | 'self-reference';

export interface FindingLocation {
  file: string;
  /** Path inside the file: the entry's path, then the field (`env`, `args`, `url`, `headers`) when known. */
  path: (string | number)[];
  line?: number;
}

export interface Finding {
  ruleId: AuditRuleId;
  severity: FindingSeverity;
  message: string;
  location: FindingLocation;
  /** How to fix it. */
  hint: string;
  server?: string;
  client?: string;
}

export interface AuditRule {
  id: AuditRuleId;
  name: string;
  summary: string;
  defaultSeverity: FindingSeverity;
  help: string;
}

/** Every rule `audit` applies, in a stable order (the SARIF rule index). */
export const AUDIT_RULES: readonly AuditRule[] = [
  {
    id: 'secret-in-config',
    name: 'SecretInConfig',
    summary: 'A credential is written in plain text in an MCP server entry',
    defaultSeverity: 'high',
    help: 'Move the value into an environment variable the client expands (or a secret store) and rotate it: it has been on disk.',
  },
  {
    id: 'secret-file-permissions',
    name: 'SecretFilePermissions',
    summary: 'A config file that holds secrets is readable by other users',
    defaultSeverity: 'high',
    help: 'Restrict the file to its owner (chmod 600), then rotate the secrets it held.',
  },
  {
    id: 'unpinned-package',
    name: 'UnpinnedPackage',
    summary: 'A package runner fetches a package without a pinned version',
    defaultSeverity: 'medium',
    help: 'Pin an exact version (name@1.2.3, name==1.2.3) or install the package and run the installed binary.',
  },
  {
    id: 'auto-install-flag',
    name: 'AutoInstallFlag',
    summary: 'A package runner is told to install without asking',
    defaultSeverity: 'low',
    help: 'Drop -y/--yes after pinning the version, or install the package ahead of time.',
  },
  {
    id: 'command-not-found',
    name: 'CommandNotFound',
    summary: 'The command of a stdio server is not on PATH',
    defaultSeverity: 'medium',
    help: 'Install the program, use its absolute path, or remove the entry.',
  },
  {
    id: 'insecure-http',
    name: 'InsecureHttp',
    summary: 'A remote server is reached over plain http on a non-loopback host',
    defaultSeverity: 'medium',
    help: 'Use https, or keep plain http to localhost only.',
  },
  {
    id: 'conflicting-definitions',
    name: 'ConflictingDefinitions',
    summary: 'The same server name is defined differently in several places',
    defaultSeverity: 'low',
    help: 'Remove or rename the copies you do not want; precedence decides which definition is used.',
  },
  {
    id: 'invalid-entry',
    name: 'InvalidEntry',
    summary: 'A server entry is invalid and was skipped',
    defaultSeverity: 'medium',
    help: 'Fix the entry to the client format, or remove it.',
  },
  {
    id: 'invalid-config-file',
    name: 'InvalidConfigFile',
    summary: 'A config file could not be parsed; none of its servers were read',
    defaultSeverity: 'medium',
    help: 'Fix the syntax error at the reported line.',
  },
  {
    id: 'unreadable-config-file',
    name: 'UnreadableConfigFile',
    summary: 'A config file exists but could not be read',
    defaultSeverity: 'low',
    help: 'Make it a readable regular file below the size limit, or remove it.',
  },
  {
    id: 'excluded',
    name: 'Excluded',
    summary: 'An entry was left out by the caller (discovery’s `exclude` option)',
    defaultSeverity: 'low',
    help: 'Remove the entry from the configs if it is not wanted there.',
  },
  {
    id: 'self-reference',
    name: 'SelfReference',
    summary: 'An entry would start the auditing program itself, and is kept',
    defaultSeverity: 'medium',
    help: 'Remove the entry unless a second instance inside the first is intended.',
  },
];

export const SEVERITY_ORDER: Readonly<Record<FindingSeverity, number>> = {
  high: 0,
  medium: 1,
  low: 2,
  info: 3,
};
