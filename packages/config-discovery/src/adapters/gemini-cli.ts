import type { ClientAdapter } from '../adapter.js';
import { getEnv, pathApi, windowsProgramData } from '../platform-paths.js';
import { isObject, parseServerSections, readStandardEntry, type StandardDialect } from './read-entries.js';

const geminiDialect: StandardDialect = {
  // `httpUrl` is Streamable HTTP; `url` is SSE unless `type` says "http".
  urlKeys: [{ key: 'httpUrl', transport: 'http' }, { key: 'url' }],
  types: { stdio: 'stdio', http: 'http', sse: 'sse' },
  defaultRemote: 'sse',
};

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/**
 * Gemini CLI: `mcpServers` in `<project>/.gemini/settings.json`, `~/.gemini/settings.json` and the system
 * settings file (`/etc/gemini-cli/settings.json`, `/Library/Application Support/GeminiCli/settings.json`,
 * `C:\ProgramData\gemini-cli\settings.json`, or `$GEMINI_CLI_SYSTEM_SETTINGS_PATH`). Entries use `command`,
 * `args`, `env`, `cwd`, `url` (SSE), `httpUrl` (Streamable HTTP) and `headers`; `mcp.excluded` and
 * `mcp.allowed` turn servers off. It expands `$VAR` and `${VAR}`.
 */
export const geminiCli: ClientAdapter = {
  id: 'gemini-cli',
  displayName: 'Gemini CLI',
  expansion: 'gemini',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const override = getEnv(ctx.env, 'GEMINI_CLI_SYSTEM_SETTINGS_PATH', ctx.platform);
    const system =
      override ??
      (ctx.platform === 'darwin'
        ? '/Library/Application Support/GeminiCli/settings.json'
        : ctx.platform === 'win32'
          ? p.join(windowsProgramData(ctx), 'gemini-cli', 'settings.json')
          : '/etc/gemini-cli/settings.json');
    return [
      { file: p.join(ctx.cwd, '.gemini', 'settings.json'), scope: 'project', format: 'jsonc' },
      { file: p.join(ctx.home, '.gemini', 'settings.json'), scope: 'user', format: 'jsonc' },
      { file: system, scope: 'system', format: 'jsonc' },
    ];
  },
  parse(text, ctx) {
    return parseServerSections(
      text,
      ctx,
      'gemini-cli',
      () => [{ path: ['mcpServers'] }],
      (fields, entry) => {
        const outcome = readStandardEntry(fields, geminiDialect);
        if ('skip' in outcome) return outcome;
        const mcp = isObject(entry.root.mcp) ? entry.root.mcp : undefined;
        const excluded = stringList(mcp?.excluded);
        const allowed = stringList(mcp?.allowed);
        const blocked =
          excluded?.includes(entry.name) || (allowed !== undefined && !allowed.includes(entry.name));
        return blocked ? { ...outcome, enabled: false } : outcome;
      },
    );
  },
};
