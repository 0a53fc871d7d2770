// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config variable syntax, not templates
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscoveryResult, discover, type McpServerConfig } from '../src/index.js';
import { type FixtureTree, materialize } from './helpers.js';

let tree: FixtureTree | undefined;
afterEach(async () => {
  await tree?.cleanup();
  tree = undefined;
});

async function read(
  client: string,
  options: { homeDir?: string; platform?: NodeJS.Platform; env?: Record<string, string> } = {},
): Promise<DiscoveryResult> {
  tree = await materialize(client === 'claude-desktop' ? 'claude-desktop' : client, options.homeDir);
  return discover({
    cwd: tree.project,
    home: tree.home,
    platform: options.platform ?? 'linux',
    // Keep machine-wide files of this host out of the picture.
    env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: path.join(tree.root, 'no-system-settings.json'), ...options.env },
    sources: [client],
  });
}

function summary(servers: McpServerConfig[]): string[] {
  return servers
    .filter((s) => s.source.scope !== 'system')
    .map((s) => `${s.name} ${s.source.scope} ${s.transport.type}${s.enabled ? '' : ' disabled'}`);
}

function byName(result: DiscoveryResult, name: string): McpServerConfig {
  const found = result.servers.find((s) => s.name === name);
  if (!found) throw new Error(`no server ${name}`);
  return found;
}

describe('each client, read from its real file format on disk', () => {
  it('Claude Code: user, local (this project only) and project scopes, rejected project servers, raw ${VAR} kept', async () => {
    const result = await read('claude-code');
    expect(result.diagnostics).toEqual([]);
    expect(summary(result.servers)).toEqual([
      'docs project http disabled',
      'events user sse',
      'filesystem project stdio',
      'github user http',
      'memory project stdio',
      'postgres local stdio',
    ]);
    expect(result.shadowed.map((s) => [s.server.name, s.server.source.scope, s.shadowedBy.scope])).toEqual([
      ['memory', 'user', 'project'],
    ]);
    expect(byName(result, 'github').transport).toEqual({
      type: 'http',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: { Authorization: 'Bearer ${GITHUB_PAT}' },
    });
    expect(byName(result, 'postgres').source).toMatchObject({
      file: path.join(tree!.home, '.claude.json'),
      path: ['projects', tree!.project, 'mcpServers', 'postgres'],
    });
    expect(result.sources.filter((s) => s.status === 'found').map((s) => s.file)).toEqual([
      path.join(tree!.project, '.mcp.json'),
      path.join(tree!.home, '.claude.json'),
    ]);
  });

  it('Claude Desktop on Linux and, with platform darwin, in ~/Library/Application Support', async () => {
    expect(summary((await read('claude-desktop', { homeDir: 'home-linux' })).servers)).toEqual([
      'everything user stdio',
    ]);
    await tree?.cleanup();
    const mac = await read('claude-desktop', { homeDir: 'home-macos', platform: 'darwin' });
    expect(summary(mac.servers)).toEqual(['filesystem user stdio', 'sqlite user stdio']);
    expect(mac.servers[0]!.source.file).toBe(
      path.join(tree!.home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json'),
    );
  });

  it('Cursor: user and project mcp.json, ${env:…}, ${workspaceFolder}, envFile', async () => {
    const result = await read('cursor');
    expect(result.diagnostics).toEqual([]);
    expect(summary(result.servers)).toEqual([
      'browser user stdio',
      'legacy-sse project sse',
      'linear user http',
      'repo-tools project stdio',
    ]);
    expect(byName(result, 'repo-tools').transport).toMatchObject({
      command: '${userHome}/.local/bin/repo-tools',
      envFile: '${workspaceFolder}/.env',
    });
  });

  it('VS Code: .vscode/mcp.json (JSONC, inputs), workspace and user settings, user mcp.json, Insiders', async () => {
    const result = await read('vscode');
    expect(result.diagnostics).toEqual([]);
    expect(summary(result.servers)).toEqual([
      'events project sse',
      'fetch user stdio',
      'github project http',
      'insiders-only user http',
      'perplexity project stdio',
      'time user stdio',
      'workspace-fs project stdio',
      'workspace-settings-server project stdio',
    ]);
    expect(byName(result, 'perplexity').transport).toMatchObject({
      env: { PERPLEXITY_API_KEY: '${input:perplexity-key}' },
    });
    expect(byName(result, 'time').source.path).toEqual(['mcp', 'servers', 'time']);
  });

  it('Windsurf: serverUrl, SSE endpoints, disabled entries', async () => {
    const result = await read('windsurf');
    expect(summary(result.servers)).toEqual([
      'figma user http',
      'github user stdio',
      'old-events user sse',
      'paused user stdio disabled',
    ]);
  });

  it('Gemini CLI: project over user, httpUrl/url/type, cwd, mcp.excluded', async () => {
    const result = await read('gemini-cli');
    expect(summary(result.servers)).toEqual([
      'experimental user stdio disabled',
      'httpServer user http',
      'pythonTools project stdio',
      'sseServer user sse',
      'typedHttp project http',
    ]);
    expect(result.shadowed.map((s) => [s.server.name, s.server.source.scope])).toEqual([
      ['pythonTools', 'user'],
    ]);
  });

  it('Codex: [mcp_servers] tables, env tables, bearer token variables, enabled = false, quoted names', async () => {
    const result = await read('codex');
    expect(result.diagnostics).toEqual([]);
    expect(summary(result.servers)).toEqual([
      'context7 user stdio disabled',
      'docs user stdio',
      'figma user http',
      'repo tools project stdio',
    ]);
    expect(byName(result, 'docs').transport).toEqual({
      type: 'stdio',
      command: 'docs-server',
      args: ['--port', '4000'],
      env: { DOCS_MODE: 'offline' },
      cwd: '/opt/docs',
      envPassthrough: ['DOCS_LICENSE'],
    });
    expect(byName(result, 'figma').source.line).toBe(20);
  });

  it('Codex honours CODEX_HOME', async () => {
    tree = await materialize('codex');
    const result = await discover({
      cwd: '/nonexistent-project',
      home: '/nonexistent-home',
      platform: 'linux',
      env: { CODEX_HOME: path.join(tree.home, '.codex') },
      sources: ['codex'],
    });
    expect(summary(result.servers)).toContain('figma user http');
  });

  it('OpenCode: opencode.jsonc in the project, ~/.config/opencode, local/remote, enabled, project toggles', async () => {
    const result = await read('opencode');
    expect(summary(result.servers)).toEqual([
      'context7 project http',
      'jira user http',
      'mcp_everything user stdio',
      'my-local-mcp-server project stdio',
    ]);
    expect(byName(result, 'my-local-mcp-server').transport).toEqual({
      type: 'stdio',
      command: 'bun',
      args: ['x', 'my-mcp-command'],
      env: { MY_ENV_VAR: '{env:MY_ENV_VAR}' },
    });
    // The project entry holding only `enabled: true` switches the user's disabled definition on.
    expect(result.diagnostics).toEqual([]);
  });

  it('Zed: context_servers in user and project settings (JSONC with comments), extension servers reported', async () => {
    const result = await read('zed');
    expect(summary(result.servers)).toEqual([
      'local-mcp-server user stdio',
      'older-style user stdio',
      'project-server project stdio',
      'remote-mcp-server user http',
      'switched-off user stdio disabled',
    ]);
    expect(result.diagnostics.map((d) => [d.code, d.server, d.severity])).toEqual([
      ['unsupported-entry', 'mcp-server-context7', 'info'],
    ]);
  });

  it('Cline: the extension storage file, streamableHttp, legacy SSE, disabled', async () => {
    const result = await read('cline');
    expect(summary(result.servers)).toEqual([
      'git user stdio',
      'legacy-sse user sse disabled',
      'remote-streamable user http',
    ]);
  });

  it('Roo Code: project .roo/mcp.json and the extension storage file', async () => {
    const result = await read('roo-code');
    expect(summary(result.servers)).toEqual([
      'local-tools project stdio',
      'remote-api project http',
      'sse-tools user sse',
    ]);
  });

  it("the original bridge's locations and MCP_SERVERS_CONFIG (TOML), with an exclude rule", async () => {
    tree = await materialize('generic');
    const result = await discover({
      cwd: tree.project,
      home: tree.home,
      platform: 'linux',
      env: { MCP_SERVERS_CONFIG: path.join(tree.root, 'extra', 'servers.toml') },
      sources: ['generic'],
      exclude: (server) =>
        server.name === 'mcp-server-code-execution-mode' ? 'the caller itself' : undefined,
    });
    expect(summary(result.servers)).toEqual([
      'desktop-fallback project stdio',
      'filesystem user stdio',
      'from-env-file explicit stdio',
      'project-tools project stdio',
      'search project http',
      'time user stdio',
    ]);
    expect(result.skipped.map((s) => s.server.name)).toEqual(['mcp-server-code-execution-mode']);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['excluded']);
    const dirs = result.sources.filter((s) => s.kind === 'directory');
    expect(dirs.map((d) => [path.relative(tree!.root, d.file), d.status])).toEqual([
      ['project/mcp-servers', 'found'],
      ['home/.config/mcp/servers', 'found'],
      ['home/MCPs', 'found'],
    ]);
  });
});
