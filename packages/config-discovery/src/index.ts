export type { ClientAdapter, ParseContext, ParseResult, SourceLocation } from './adapter.js';
export {
  CLIENT_ADAPTERS,
  CLIENT_IDS,
  type ClientId,
  claudeCode,
  claudeDesktop,
  cline,
  codex,
  cursor,
  geminiCli,
  generic,
  getAdapter,
  opencode,
  rooCode,
  vscode,
  windsurf,
  zed,
} from './adapters/index.js';
export { type AuditOptions, audit } from './audit/audit.js';
export {
  AUDIT_RULES,
  type AuditRule,
  type AuditRuleId,
  type Finding,
  type FindingLocation,
  type FindingSeverity,
} from './audit/findings.js';
export { formatFindingsTable } from './audit/format-table.js';
export { isPinnedSpec, parseRunnerInvocation, type RunnerInvocation } from './audit/package-runners.js';
export { fileUri, type SarifLevel, type SarifLog, type SarifOptions, toSarif } from './audit/sarif.js';
export {
  findSecret,
  findUrlSecret,
  redactSecret,
  type SecretMatch,
  shannonEntropy,
} from './audit/secrets.js';
export { type Which, type WhichOptions, whichOnPath } from './audit/which.js';
export type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './diagnostics.js';
export {
  DEFAULT_MAX_FILE_BYTES,
  type DiscoverOptions,
  type DiscoveryResult,
  discover,
  type ExplicitSource,
  type SkippedServer,
} from './discover.js';
export { ConfigDiscoveryError, type ConfigDiscoveryErrorCode } from './errors.js';
export { containsVariableReference, type ExpansionSyntax, expandString } from './expand.js';
export {
  type ConfigFileSystem,
  createMemoryFileSystem,
  createNodeFileSystem,
  type DirectoryListResult,
  type FileReadResult,
  type MemoryFile,
  type ReadErrorCode,
} from './file-system.js';
export type { Logger } from './logger.js';
export { mergeServers, SCOPE_RANK, type ShadowedServer } from './merge.js';
export type { Env, PathContext } from './platform-paths.js';
export type { SourceReport, SourceStatus } from './read.js';
export {
  expansionSyntaxOf,
  parseEnvFile,
  type ResolvedServer,
  type ResolveOptions,
  resolveServer,
} from './resolve.js';
export type {
  McpServerConfig,
  RemoteTransport,
  Scope,
  ServerSource,
  ServerTransport,
  StdioTransport,
} from './server.js';
