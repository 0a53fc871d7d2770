export { capabilitiesMarkdown } from './capabilities.js';
export { catalogFrom, serverHint } from './catalog.js';
export type { CliIo, OutputStream } from './cli/io.js';
export { main } from './cli/main.js';
export { type Bridge, type CreateBridgeOptions, createBridge } from './composition.js';
export { formatDuration, parseDuration } from './duration.js';
export type {
  CatalogEntry,
  EngineRunOptions,
  RunEngine,
  RunReport,
  ServerOrigin,
  ToolCallEvent,
} from './engine.js';
export { BridgeError, type BridgeErrorCode, isBridgeError } from './errors.js';
export { createLogHub, type LogEvent, type LogHub } from './log-hub.js';
export { createLineLogger, type Logger, silentLogger } from './logger.js';
export { checkRunArguments, type RunArguments, runPythonInputSchema } from './run-arguments.js';
export { type BridgeServerOptions, createBridgeServer, SERVER_NAME, TOOL_NAME } from './server.js';
export {
  type FlagValues,
  isLoopbackHost,
  type LogLevel,
  type OutputMode,
  resolveSettings,
  SETTINGS,
  type Settings,
} from './settings.js';
export { CAPABILITIES_URI, SERVERS_URI, toolDescription } from './tool-description.js';
export { type HttpServeOptions, type HttpServing, serveHttp } from './transports/http.js';
export { VERSION } from './version.js';
