import type { ClientAdapter } from '../adapter.js';
import { pathApi, windowsAppData, xdgConfigHome } from '../platform-paths.js';
import { EntryFields, isObject, parseServerSections } from './read-entries.js';

/**
 * Zed: `context_servers` in `~/.config/zed/settings.json` (Linux honours `$XDG_CONFIG_HOME`; macOS uses the same
 * `~/.config/zed`; Windows uses `%APPDATA%\Zed\settings.json`) and in `<project>/.zed/settings.json`. Custom
 * servers have `command` (or the older `command: { path, args, env }`), `args`, `env`, or `url` and `headers`;
 * `enabled: false` turns one off. Servers provided by Zed extensions have no command in the file and are
 * reported, not proxied.
 */
export const zed: ClientAdapter = {
  id: 'zed',
  displayName: 'Zed',
  expansion: 'none',
  locations(ctx) {
    const p = pathApi(ctx.platform);
    const user =
      ctx.platform === 'win32'
        ? p.join(windowsAppData(ctx), 'Zed', 'settings.json')
        : ctx.platform === 'darwin'
          ? p.join(ctx.home, '.config', 'zed', 'settings.json')
          : p.join(xdgConfigHome(ctx), 'zed', 'settings.json');
    return [
      { file: p.join(ctx.cwd, '.zed', 'settings.json'), scope: 'project', format: 'jsonc' },
      { file: user, scope: 'user', format: 'jsonc' },
    ];
  },
  parse(text, ctx) {
    return parseServerSections(
      text,
      ctx,
      'zed',
      () => [{ path: ['context_servers'] }],
      (fields, entry) => {
        const enabled = fields.boolean('enabled') !== false;
        const common = { enabled };
        const rawCommand = fields.raw.command;
        if (isObject(rawCommand)) {
          const legacy = new EntryFields(rawCommand);
          const command = legacy.string('path');
          const args = legacy.stringArray('args') ?? [];
          const env = legacy.stringMap('env') ?? {};
          for (const problem of legacy.problems) fields.problem(`in "command": ${problem}`);
          if (command === undefined || command.trim() === '') {
            if (!fields.problems.length) fields.problem('"command.path" must be a non-empty string');
            return { skip: undefined };
          }
          return { transport: { type: 'stdio', command, args, env }, ...common };
        }
        if (fields.has('command')) {
          const command = fields.string('command');
          const args = fields.stringArray('args') ?? [];
          const env = fields.stringMap('env') ?? {};
          if (command === undefined || command.trim() === '') {
            if (!fields.problems.length) fields.problem('"command" must not be empty');
            return { skip: undefined };
          }
          return { transport: { type: 'stdio', command, args, env }, ...common };
        }
        if (fields.has('url')) {
          const url = fields.string('url');
          const headers = fields.stringMap('headers') ?? {};
          if (url === undefined || url.trim() === '') {
            if (!fields.problems.length) fields.problem('"url" must not be empty');
            return { skip: undefined };
          }
          return { transport: { type: 'http', url, headers }, ...common };
        }
        if (fields.raw.source === 'extension' || fields.has('settings')) {
          return {
            skip: {
              severity: 'info',
              code: 'unsupported-entry',
              client: 'zed',
              file: entry.ctx.file,
              path: entry.path,
              server: entry.name,
              message: `server "${entry.name}" in ${entry.ctx.file} is provided by a Zed extension, which starts it itself; it is not proxied`,
            },
          };
        }
        fields.problem('it has neither "command" nor "url"');
        return { skip: undefined };
      },
    );
  },
};
