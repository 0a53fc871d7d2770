export { type HttpTestServer, serveHttp } from './http.js';
export { HUGE_LINE_BYTES, hugeText } from './huge-text.js';
export { type GeneratedTool, generateTools } from './many-tools.js';
export { parseOptions, type TestServerOptions, USAGE, UsageError } from './options.js';
export { type CancellationRecord, createState, createTestServer, type TestServerState } from './server.js';
