export type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
export type {
  CallToolResult,
  Implementation,
  Progress,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
export type {
  ConnectContext,
  ConnectionEnding,
  ConnectionFactory,
  ConnectionKind,
  UpstreamConnection,
} from './connection-factory.js';
export {
  isUpstreamError,
  UpstreamError,
  type UpstreamErrorCode,
  type UpstreamErrorDetails,
} from './errors.js';
export type {
  CallEvent,
  CallOutcome,
  ServerState,
  ServerStateEvent,
  StderrEvent,
  ToolsChangedEvent,
  UpstreamEvent,
  UpstreamEventOf,
  UpstreamEventType,
} from './events.js';
export { type Logger, silentLogger } from './logger.js';
export type {
  CallToolOptions,
  ServerTuning,
  SignalOptions,
  UpstreamPoolOptions,
} from './options.js';
export { createUpstreamPool, type ServerMetadata, type ServerStatus, type UpstreamPool } from './pool.js';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.js';
export type { HttpTransportConfig, StdioTransportConfig, UpstreamServer } from './server-config.js';
