// The types of other packages that this package's signatures use, so an embedder needs no other import for them.
export type { ContainerLimits, ContainerRuntime } from '@codexec/container-runtime';
export type {
  LimitEnforcement,
  LimitsReport,
  ServerMeta,
  SkillSummary,
  ToolCallResult,
  ToolDoc,
  ToolDocDetail,
  ToolMeta,
} from '@codexec/frame-protocol';
export {
  type Attachment,
  type AttachmentLimits,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  DEFAULT_MAX_RUN_ATTACHMENT_BYTES,
  IMAGE_TYPES,
} from './attachments.js';
export type { DirectChannelOption } from './direct-channel.js';
export { isSandboxError, SandboxError, type SandboxErrorCode } from './errors.js';
export type { OutputChunk } from './execute.js';
export {
  createFileMemoryStore,
  DEFAULT_MAX_MEMORY_TOTAL_BYTES,
  DEFAULT_MAX_MEMORY_VALUE_BYTES,
  type FileMemoryStoreOptions,
} from './file-memory-store.js';
export { createFileSkillStore, type FileSkillStoreOptions } from './file-skill-store.js';
export {
  describeLimits,
  LIMIT_LABELS,
  type LimitLine,
  type LimitName,
  type LimitsRequirement,
  limitsRefusal,
  requestedLimits,
} from './limits.js';
export { type Logger, silentLogger } from './logger.js';
export {
  checkMemoryKey,
  type MemoryInfo,
  type MemoryListing,
  type MemoryRecord,
  type MemoryStore,
  type MemoryStoreCallOptions,
  MemoryStoreError,
  type MemoryStoreErrorCode,
} from './memory-store.js';
export {
  DEFAULT_POOL_MAX_IDLE_MS,
  DEFAULT_POOL_MAX_STARTS,
  MAX_POOL_SIZE,
  type PoolOptions,
  RECOMMENDED_POOL_SIZE,
  type ResolvedPoolOptions,
} from './pool-settings.js';
export type { RunResult, RunStatus, SessionRunInfo } from './run-result.js';
export { BOOTSTRAP_SOURCE, runtimeCommand } from './runtime-source.js';
export { createSandbox, type RunOptions, type Sandbox, type SandboxOptions } from './sandbox.js';
export {
  DEFAULT_INTERRUPT_GRACE_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  type Session,
  type SessionInfo,
  type SessionOptions,
  type SessionRunOptions,
} from './session.js';
export {
  checkSkillName,
  type SkillDependency,
  type SkillRecord,
  type SkillStore,
  SkillStoreError,
  type SkillStoreErrorCode,
  skillSummary,
  staleReason,
  staleText,
} from './skill-store.js';
export { SKILLS_SERVER, skillDoc } from './skills-host.js';
export type {
  DiscoveryOptions,
  SearchResult,
  ServerSummary,
  ToolCallOptions,
  ToolHost,
} from './tool-host.js';
export type { PoolStatus } from './warm-pool.js';
