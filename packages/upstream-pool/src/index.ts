export type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
export type { ConnectionKind } from './connect.js';
export { UpstreamError, type UpstreamErrorCode, type UpstreamErrorDetails } from './errors.js';
export type {
  CallEvent,
  CallOutcome,
  ServerState,
  StateEvent,
  StderrEvent,
  ToolsChangedEvent,
  UpstreamEvent,
  UpstreamEventOf,
  UpstreamEventType,
} from './events.js';
export { type Logger, silentLogger } from './logger.js';
export {
  type CallToolOptions,
  createUpstreamPool,
  type ServerMetadata,
  type ServerStatus,
  type ServerTuning,
  type SignalOptions,
  type UpstreamPool,
  type UpstreamPoolOptions,
} from './pool.js';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.js';
export type { HttpTransportConfig, StdioTransportConfig, UpstreamServer } from './server-config.js';
