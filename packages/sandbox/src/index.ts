export { isSandboxError, SandboxError, type SandboxErrorCode } from './errors.js';
export type { OutputChunk } from './execute.js';
export { type Logger, silentLogger } from './logger.js';
export {
  DEFAULT_POOL_MAX_IDLE_MS,
  DEFAULT_POOL_MAX_STARTS,
  DEFAULT_POOL_SIZE,
  MAX_POOL_SIZE,
  type PoolOptions,
  parsePoolDuration,
  poolFromEnv,
  type ResolvedPoolOptions,
} from './pool-settings.js';
export type { RunResult, RunStatus } from './run-result.js';
export { BOOTSTRAP_SOURCE, runtimeCommand } from './runtime-source.js';
export { createSandbox, type RunOptions, type Sandbox, type SandboxOptions } from './sandbox.js';
export type {
  DiscoveryOptions,
  SearchResult,
  ServerSummary,
  ToolCallOptions,
  ToolHost,
} from './tool-host.js';
export type { PoolStatus } from './warm-pool.js';
