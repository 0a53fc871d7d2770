import type { ClientAdapter, EnablementOverride, SourceLocation } from '../adapter.js';
import { getEnv, pathApi, resolveUserPath, xdgConfigHome } from '../platform-paths.js';
import { isObject, parseServerSections, type SectionSpec } from './read-entries.js';

/**
 * OpenCode: the `mcp` object of `opencode.json` / `opencode.jsonc` in the project (its root and `.opencode/`),
 * in `$XDG_CONFIG_HOME/opencode/` (default `~/.config/opencode/`, on every OS) and in the file named by
 * `$OPENCODE_CONFIG`. Entries are `{ type: "local", command: [...], environment }` or
 * `{ type: "remote", url, headers }`, with `enabled`. It expands `{env:VAR}` and `{file:path}`.
 */
export const opencode: ClientAdapter = {
  id: 'opencode',
  displayName: 'OpenCode',
  expansion: 'opencode',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const locations: SourceLocation[] = [];
    for (const dir of [p.join(ctx.cwd, '.opencode'), ctx.cwd]) {
      locations.push({ file: p.join(dir, 'opencode.json'), scope: 'project', format: 'jsonc' });
      locations.push({ file: p.join(dir, 'opencode.jsonc'), scope: 'project', format: 'jsonc' });
    }
    const custom = getEnv(ctx.env, 'OPENCODE_CONFIG', ctx.platform);
    if (custom !== undefined)
      locations.push({ file: resolveUserPath(ctx, custom), scope: 'user', format: 'jsonc' });
    const global = p.join(xdgConfigHome(ctx), 'opencode');
    for (const name of ['opencode.json', 'opencode.jsonc', 'config.json']) {
      locations.push({ file: p.join(global, name), scope: 'user', format: 'jsonc' });
    }
    return locations;
  },
  parse(text, ctx) {
    const overrides: EnablementOverride[] = [];
    const result = parseServerSections(
      text,
      ctx,
      'opencode',
      (root) => {
        const mcp = root.mcp;
        // A `servers` object inside `mcp` that is not itself a server entry is a container of servers.
        const nested = isObject(mcp) && isObject(mcp.servers) && mcp.servers.type === undefined;
        const sections: SectionSpec[] = [{ path: nested ? ['mcp', 'servers'] : ['mcp'] }];
        return sections;
      },
      (fields, entry) => {
        const type = fields.string('type');
        const enabled = fields.boolean('enabled') !== false;
        const description = fields.string('description');
        const common = { enabled, ...(description !== undefined ? { description } : {}) };
        if (type === 'local') {
          const command = fields.stringArray('command');
          const environment = fields.stringMap('environment') ?? {};
          const first = command?.[0];
          if (first === undefined || first.trim() === '') {
            if (!fields.problems.length) fields.problem('"command" must be a non-empty array of strings');
            return { skip: undefined };
          }
          return {
            transport: { type: 'stdio', command: first, args: command!.slice(1), env: environment },
            ...common,
          };
        }
        if (type === 'remote') {
          const url = fields.string('url');
          const headers = fields.stringMap('headers') ?? {};
          if (url === undefined || url.trim() === '') {
            if (!fields.problems.length) fields.problem('"url" must be a non-empty string');
            return { skip: undefined };
          }
          // OpenCode tries Streamable HTTP and falls back to SSE.
          return { transport: { type: 'http', url, headers }, ...common };
        }
        if (type === undefined && !fields.has('command') && !fields.has('url') && fields.has('enabled')) {
          // OpenCode merges its config layers: a project entry holding only `enabled` switches the user's
          // definition of that name on or off.
          if (entry.ctx.scope === 'project') {
            overrides.push({
              client: 'opencode',
              names: [entry.name],
              enabled,
              appliesTo: ['user'],
              file: entry.ctx.file,
              path: entry.path,
            });
            return { skip: undefined };
          }
          return {
            skip: {
              severity: 'info',
              code: 'unsupported-entry',
              client: 'opencode',
              file: entry.ctx.file,
              path: entry.path,
              server: entry.name,
              message: `server "${entry.name}" in ${entry.ctx.file} only sets "enabled" (an override of a server defined by a remote organisation config); it is not proxied`,
            },
          };
        }
        if (type !== undefined) fields.problem(`"type" is "${type}", expected "local" or "remote"`);
        else if (!fields.problems.length) fields.problem('"type" is missing, expected "local" or "remote"');
        return { skip: undefined };
      },
    );
    return overrides.length > 0 ? { ...result, overrides } : result;
  },
};
