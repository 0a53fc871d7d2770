/**
 * An upstream MCP server as config-discovery normalises it. This package accepts the shape structurally and
 * does not depend on config-discovery.
 */
export interface UpstreamServer {
  /** Unique name; every pool API addresses the server by it. */
  name: string;
  transport: StdioTransportConfig | HttpTransportConfig;
  description?: string | undefined;
  /** `false` keeps the server in `status()` but refuses to start it. Default true. */
  enabled?: boolean | undefined;
}

export interface StdioTransportConfig {
  type: 'stdio';
  command: string;
  args: string[];
  /** Added to the SDK's default safe variables (HOME, LOGNAME, PATH, SHELL, TERM, USER); nothing else passes. */
  env: Record<string, string>;
  cwd?: string | undefined;
}

export interface HttpTransportConfig {
  /** `http`: Streamable HTTP, falling back to legacy SSE on a 400/404/405 answer. `sse`: legacy SSE only. */
  type: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
}
