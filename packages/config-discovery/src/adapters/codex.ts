import type { ClientAdapter } from '../adapter.js';
import { getEnv, pathApi, resolveUserPath } from '../platform-paths.js';
import type { RemoteTransport, StdioTransport } from '../server.js';
import { parseServerSections } from './read-entries.js';

/**
 * Codex: `[mcp_servers.<name>]` tables in `$CODEX_HOME/config.toml` (default `~/.codex/config.toml`) and in a
 * trusted project's `.codex/config.toml`. Stdio entries use `command`, `args`, `env`, `env_vars`, `cwd`;
 * Streamable HTTP entries use `url`, `bearer_token_env_var`, `http_headers`, `env_http_headers`; `enabled = false`
 * turns one off. Codex expands no variables in values: it passes named variables through instead.
 */
export const codex: ClientAdapter = {
  id: 'codex',
  displayName: 'Codex',
  expansion: 'none',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const codexHome = getEnv(ctx.env, 'CODEX_HOME', ctx.platform);
    const home = codexHome !== undefined ? resolveUserPath(ctx, codexHome) : p.join(ctx.home, '.codex');
    return [
      { file: p.join(ctx.cwd, '.codex', 'config.toml'), scope: 'project', format: 'toml' },
      { file: p.join(home, 'config.toml'), scope: 'user', format: 'toml' },
    ];
  },
  parse(text, ctx) {
    return parseServerSections(
      text,
      ctx,
      'codex',
      () => [{ path: ['mcp_servers'] }],
      (fields) => {
        const command = fields.string('command');
        const url = fields.string('url');
        const enabled = fields.boolean('enabled') !== false;
        const description = fields.string('description');
        const common = { enabled, ...(description !== undefined ? { description } : {}) };
        if (fields.has('command')) {
          const args = fields.stringArray('args') ?? [];
          const env = fields.stringMap('env') ?? {};
          const envVars = fields.stringArray('env_vars');
          const cwd = fields.string('cwd');
          if (command === undefined || command.trim() === '') {
            if (!fields.problems.length) fields.problem('"command" must not be empty');
            return { skip: undefined };
          }
          const transport: StdioTransport = {
            type: 'stdio',
            command,
            args,
            env,
            ...(cwd !== undefined ? { cwd } : {}),
            ...(envVars !== undefined && envVars.length > 0 ? { envPassthrough: envVars } : {}),
          };
          return { transport, ...common };
        }
        if (fields.has('url')) {
          const headers = fields.stringMap('http_headers') ?? {};
          const fromEnv = fields.stringMap('env_http_headers');
          const bearer = fields.string('bearer_token_env_var');
          if (fields.has('bearer_token')) {
            fields.problem(
              '"bearer_token" is not accepted by Codex; put the token in a variable and name it in "bearer_token_env_var"',
            );
          }
          if (url === undefined || url.trim() === '') {
            if (!fields.problems.length) fields.problem('"url" must not be empty');
            return { skip: undefined };
          }
          const transport: RemoteTransport = {
            type: 'http',
            url,
            headers,
            ...(fromEnv !== undefined && Object.keys(fromEnv).length > 0 ? { headersFromEnv: fromEnv } : {}),
            ...(bearer !== undefined ? { bearerTokenEnvVar: bearer } : {}),
          };
          return { transport, ...common };
        }
        fields.problem('it has neither "command" nor "url"');
        return { skip: undefined };
      },
    );
  },
};
