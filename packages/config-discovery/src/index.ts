// What a user of this package calls, and the types its signatures use. The per-client adapters, the pieces of
// the audit (entropy, runner parsing, PATH look-up) and the expansion helpers are internal.
export type { ClientAdapter, ParseContext, ParseResult, SourceLocation } from './adapter.js';
export { CLIENT_ADAPTERS, CLIENT_IDS, type ClientId, getAdapter } from './adapters/index.js';
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
export { type SarifLevel, type SarifLog, type SarifOptions, toSarif } from './audit/sarif.js';
export { findSecret, redactSecret, type SecretMatch } from './audit/secrets.js';
export type { Which, WhichOptions } from './audit/which.js';
export type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './diagnostics.js';
export {
  DEFAULT_MAX_FILE_BYTES,
  type DiscoverOptions,
  type DiscoveryResult,
  discover,
  type ExplicitSource,
  type SkippedServer,
} from './discover.js';
export { ConfigDiscoveryError, type ConfigDiscoveryErrorCode, isConfigDiscoveryError } from './errors.js';
export type { ExpansionSyntax } from './expand.js';
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
export type { ShadowedServer } from './merge.js';
export {
  type DocumentFormat,
  type DocumentParseResult,
  formatFromName,
  type ParseDocumentOptions,
  type ParsedDocument,
  parseDocument,
} from './parse-document.js';
export type { Env, PathContext } from './platform-paths.js';
export type { SourceReport, SourceStatus } from './read.js';
export { type ResolvedServer, type ResolveOptions, resolveServer } from './resolve.js';
export type {
  McpServerConfig,
  RemoteTransport,
  Scope,
  ServerSource,
  ServerTransport,
  StdioTransport,
} from './server.js';
