// @codexec/sandbox, except that createSandbox without a `pool` option takes it from MCP_BRIDGE_POOL_SIZE and
// MCP_BRIDGE_POOL_MAX_IDLE (poolFromEnv): what the bridge does once it wires its pool setting.
import * as sandbox from '@codexec/sandbox';

export * from '@codexec/sandbox';

export function createSandbox(options) {
  return sandbox.createSandbox(
    options?.pool ? options : { ...options, pool: sandbox.poolFromEnv(process.env) },
  );
}
