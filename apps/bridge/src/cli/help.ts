import { SETTINGS } from '../settings.js';

export interface CommandHelp {
  name: string;
  usage: string;
  summary: string;
  /** Options of the command itself, besides the settings. */
  options?: [flag: string, meaning: string][];
  /** Whether the settings flags apply. */
  settings: boolean;
}

export const COMMANDS: CommandHelp[] = [
  {
    name: 'serve',
    usage: 'code-exec-bridge [serve] [--http [--host H] [--port P] [--token T]] [settings]',
    summary: 'Run the MCP server: stdio by default, Streamable HTTP with --http (the default command)',
    settings: true,
  },
  {
    name: 'discover',
    usage: 'code-exec-bridge discover [--json] [--home DIR] [--cwd DIR] [--servers-config FILE]',
    summary: 'List every configured MCP server, where it was found and what shadows what',
    options: [['--json', 'machine-readable output (environment and header values redacted)']],
    settings: true,
  },
  {
    name: 'audit',
    usage: 'code-exec-bridge audit [--json | --sarif] [--home DIR] [--cwd DIR]',
    summary: 'Check the discovered configs for secrets, unpinned packages and other risks (exit 1 on high)',
    options: [
      ['--json', 'findings as JSON'],
      ['--sarif', 'findings as SARIF 2.1.0, for code scanning'],
    ],
    settings: true,
  },
  {
    name: 'doctor',
    usage: 'code-exec-bridge doctor [settings]',
    summary: 'Check the container engine, the image, a hello-world run and every upstream server',
    settings: true,
  },
  {
    name: 'runs',
    usage: 'code-exec-bridge runs [RUN] [--limit N] [--json] [settings]',
    summary: "List this project's recent runs from the audit trail, or show one run with its tool calls",
    options: [
      ['--limit N', 'how many recent runs (default 20)'],
      ['--json', 'the audit records as JSON'],
    ],
    settings: true,
  },
  {
    name: 'run',
    usage: 'code-exec-bridge run FILE|- [--servers a,b] [settings]',
    summary: 'Run Python from a file or stdin with the discovered servers and print the rendered result',
    options: [['--servers a,b', 'servers the code may call (the flag may repeat)']],
    settings: true,
  },
  {
    name: 'image pull',
    usage: 'code-exec-bridge image pull [--image REF] [--runtime podman|docker]',
    summary: 'Pull the sandbox image (MCP_BRIDGE_IMAGE) with progress',
    settings: true,
  },
];

/** The text of `--help`, with every setting and its variable. Pure. */
export function mainHelp(version: string): string {
  const lines = [
    `code-exec-bridge ${version}: one MCP tool, run_python, that runs Python in a hardened container and lets it`,
    'call the tools of your other MCP servers.',
    '',
    'Usage: code-exec-bridge [command] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (of a command: code-exec-bridge run --help)',
    '  -v, --version  print the version',
    '',
    settingsHelp(),
    '',
    'Register it with Claude Code:  claude mcp add code-exec -- npx -y @codexec/code-exec-bridge',
  ];
  return `${lines.join('\n')}\n`;
}

export function settingsHelp(): string {
  const rows = SETTINGS.map((s) => {
    const flag = s.flag ? `--${s.flag}${s.boolean ? '' : ' X'}` : '';
    return [flag, s.env ?? '', s.shown, s.description] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return [
    'Settings (a flag wins over its variable; durations take 30, 30s, 2m or 500ms):',
    ...rows.map(([flag, env, shown, what]) => `  ${flag.padEnd(w0)}  ${env.padEnd(w1)}  ${what} [${shown}]`),
  ].join('\n');
}

export function commandHelp(command: CommandHelp): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary];
  if (command.options?.length) {
    lines.push('', 'Options:');
    const w = Math.max(...command.options.map(([f]) => f.length));
    for (const [flag, meaning] of command.options) lines.push(`  ${flag.padEnd(w)}  ${meaning}`);
  }
  if (command.settings) lines.push('', settingsHelp());
  return `${lines.join('\n')}\n`;
}
