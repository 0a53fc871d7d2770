import type { ClientAdapter, EnablementOverride, SourceLocation } from '../adapter.js';
import { pathApi, windowsProgramFiles } from '../platform-paths.js';
import {
  claudeDialect,
  isObject,
  parseServerSections,
  readStandardEntry,
  type SectionSpec,
} from './read-entries.js';

/** Finds the `projects` key of `~/.claude.json` that names `cwd`. Keys are absolute paths as Claude Code
 * wrote them; on Windows they may use either slash and any letter case. */
export function findClaudeProjectKey(
  projects: Record<string, unknown>,
  cwd: string,
  platform: NodeJS.Platform,
): string | undefined {
  if (Object.hasOwn(projects, cwd)) return cwd;
  const normalise = (value: string): string => {
    let out = platform === 'win32' ? value.replace(/\\/g, '/').toLowerCase() : value;
    while (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
    return out;
  };
  const wanted = normalise(cwd);
  return Object.keys(projects)
    .sort()
    .find((key) => normalise(key) === wanted);
}

/**
 * Claude Code: user scope in `~/.claude.json` (`mcpServers`), local scope in the same file under
 * `projects[<cwd>].mcpServers`, project scope in `<cwd>/.mcp.json`, and the managed `managed-mcp.json`.
 * It expands `${VAR}` and `${VAR:-default}` in command, args, env, url and headers.
 */
export const claudeCode: ClientAdapter = {
  id: 'claude-code',
  displayName: 'Claude Code',
  expansion: 'claude',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const managed =
      ctx.platform === 'darwin'
        ? '/Library/Application Support/ClaudeCode/managed-mcp.json'
        : ctx.platform === 'win32'
          ? p.join(windowsProgramFiles(ctx), 'ClaudeCode', 'managed-mcp.json')
          : '/etc/claude-code/managed-mcp.json';
    const locations: SourceLocation[] = [
      { file: p.join(ctx.cwd, '.mcp.json'), scope: 'project', format: 'json' },
      { file: p.join(ctx.home, '.claude.json'), scope: 'user', format: 'json' },
      { file: managed, scope: 'system', format: 'json' },
    ];
    return locations;
  },
  parse(text, ctx) {
    const isUserState = pathApi(ctx.platform).basename(ctx.file) === '.claude.json';
    const overrides: EnablementOverride[] = [];
    const result = parseServerSections(
      text,
      ctx,
      'claude-code',
      (root) => {
        const sections: SectionSpec[] = [];
        if (isUserState && isObject(root.projects)) {
          const key = findClaudeProjectKey(root.projects, ctx.cwd, ctx.platform);
          if (key !== undefined) {
            sections.push({ path: ['projects', key, 'mcpServers'], scope: 'local' });
            // The user rejected these `.mcp.json` servers when Claude Code asked.
            const project = root.projects[key];
            const rejected = isObject(project) ? project.disabledMcpjsonServers : undefined;
            if (
              Array.isArray(rejected) &&
              rejected.every((name) => typeof name === 'string') &&
              rejected.length > 0
            ) {
              overrides.push({
                client: 'claude-code',
                names: rejected as string[],
                enabled: false,
                appliesTo: ['project'],
                file: ctx.file,
                path: ['projects', key, 'disabledMcpjsonServers'],
              });
            }
          }
        }
        sections.push({ path: ['mcpServers'] });
        return sections;
      },
      (fields) => readStandardEntry(fields, claudeDialect),
    );
    return overrides.length > 0 ? { ...result, overrides } : result;
  },
};
