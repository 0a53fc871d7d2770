import { parseArgs } from 'node:util';
import { BridgeError } from '../errors.js';
import { createLineLogger, type Logger } from '../logger.js';
import { type FlagValues, inBridgeTerms, resolveSettings, type Settings, settingFlags } from '../settings.js';
import { VERSION } from '../version.js';
import { COMMANDS, type CommandHelp, commandHelp, mainHelp } from './help.js';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.js';

/** What every command receives. */
export interface CommandContext {
  io: CliIo;
  settings: Settings;
  flags: FlagValues;
  positionals: string[];
  /** Logs to stderr at the settings' level. */
  logger: Logger;
}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

interface CommandDef {
  help: CommandHelp;
  options: Record<string, OptionSpec>;
  positionals: number;
  run: (ctx: CommandContext) => Promise<number>;
}

// Each command's module is imported when that command runs: serving stdio, the bridge's usual life, then loads
// neither the HTTP stack nor what audit, doctor or run need, and starts sooner with less memory.
const COMMAND_DEFS: Record<string, CommandDef> = {
  serve: {
    help: help('serve'),
    options: {},
    positionals: 0,
    run: async (ctx) => (await import('./commands/serve.js')).serveCommand(ctx),
  },
  discover: {
    help: help('discover'),
    options: { json: { type: 'boolean' } },
    positionals: 0,
    run: async (ctx) => (await import('./commands/discover.js')).discoverCommand(ctx),
  },
  audit: {
    help: help('audit'),
    options: { json: { type: 'boolean' }, sarif: { type: 'boolean' } },
    positionals: 0,
    run: async (ctx) => (await import('./commands/audit.js')).auditCommand(ctx),
  },
  doctor: {
    help: help('doctor'),
    options: {},
    positionals: 0,
    run: async (ctx) => (await import('./commands/doctor.js')).doctorCommand(ctx),
  },
  run: {
    help: help('run'),
    options: { servers: { type: 'string', multiple: true } },
    positionals: 1,
    run: async (ctx) => (await import('./commands/run.js')).runCommand(ctx),
  },
  runs: {
    help: help('runs'),
    options: { json: { type: 'boolean' }, limit: { type: 'string' } },
    positionals: 1,
    run: async (ctx) => (await import('./commands/runs.js')).runsCommand(ctx),
  },
  'image pull': {
    help: help('image pull'),
    options: {},
    positionals: 0,
    run: async (ctx) => (await import('./commands/image.js')).imagePullCommand(ctx),
  },
};

function help(name: string): CommandHelp {
  const found = COMMANDS.find((c) => c.name === name);
  if (!found) throw new Error(`no help for ${name}`);
  return found;
}

/** Runs the command line; resolves to the exit code. Never calls process.exit itself. */
export async function main(io: CliIo): Promise<number> {
  const argv = [...io.argv];
  let name = 'serve';
  if (argv[0] !== undefined && !argv[0].startsWith('-')) {
    name = argv.shift()!;
    if (name === 'image') {
      const sub = argv.shift();
      if (sub !== 'pull')
        return usage(io, `Unknown command "image ${sub ?? ''}": the image command has "pull".`);
      name = 'image pull';
    }
  }
  if (name === 'help') {
    io.stdout.write(mainHelp(VERSION));
    return EXIT_OK;
  }
  const def = COMMAND_DEFS[name];
  if (!def)
    return usage(io, `Unknown command "${name}": use one of ${Object.keys(COMMAND_DEFS).join(', ')}.`);

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...settingFlags(),
        ...def.options,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      allowPositionals: def.positionals > 0,
      strict: true,
    });
  } catch (error) {
    return usage(io, `${(error as Error).message.replace(/\. To specify.*$/s, '')}.`, def.help);
  }
  const flags = parsed.values as FlagValues;
  if (flags.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  if (flags.help) {
    io.stdout.write(name === 'serve' && io.argv[0] !== 'serve' ? mainHelp(VERSION) : commandHelp(def.help));
    return EXIT_OK;
  }
  if (parsed.positionals.length > def.positionals) {
    return usage(io, `Unexpected argument "${parsed.positionals[def.positionals]}".`, def.help);
  }

  let settings: Settings;
  try {
    settings = resolveSettings({ env: io.env, flags, home: io.home, cwd: io.cwd });
  } catch (error) {
    if (error instanceof BridgeError) {
      io.stderr.write(`code-exec-bridge: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  // Outside serve a terminal wants results, not chatter: warnings and errors only unless a level was asked for.
  const levelAsked = flags['log-level'] !== undefined || Boolean(io.env.MCP_BRIDGE_LOG_LEVEL);
  const level = name === 'serve' || levelAsked ? settings.logLevel : 'warn';
  const logger = createLineLogger({ level, write: (line) => io.stderr.write(line) });

  try {
    return await def.run({ io, settings, flags, positionals: parsed.positionals, logger });
  } catch (error) {
    if (error instanceof BridgeError) {
      io.stderr.write(`code-exec-bridge: ${error.message}\n`);
      return error.code === 'USAGE' || error.code === 'INVALID_SETTING' ? EXIT_USAGE : 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`code-exec-bridge: ${inBridgeTerms(message)}\n`);
    logger.debug('stack', { stack: error instanceof Error ? error.stack : undefined });
    return 1;
  }
}

function usage(io: CliIo, message: string, command?: CommandHelp): number {
  io.stderr.write(`code-exec-bridge: ${message}\n`);
  io.stderr.write(command ? `Usage: ${command.usage}\n` : 'Run code-exec-bridge --help for the commands.\n');
  return EXIT_USAGE;
}
