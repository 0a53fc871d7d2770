export { isSandboxError, SandboxError, type SandboxErrorCode } from './errors.js';
export type { OutputChunk } from './execute.js';
export { type Logger, silentLogger } from './logger.js';
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
