#!/usr/bin/env node
// `npm start` from a clone: runs this checkout's bridge, installing and building it first when needed. Everything
// the install and build print goes to stderr, because over stdio the bridge's stdout belongs to MCP. Arguments
// pass through: `npm start -- --http`, `npm start -- doctor`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'apps', 'bridge', 'dist', 'cli.js');
const built = [
  'frame-protocol',
  'toon-output',
  'config-discovery',
  'upstream-pool',
  'container-runtime',
  'sandbox',
]
  .map((name) => join(root, 'packages', name, 'dist', 'index.js'))
  .concat(cli, join(root, 'apps', 'bridge', 'python', 'codexec_runtime', '__init__.py'))
  .every((file) => existsSync(file));

function pnpm(args) {
  const onPath = spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0;
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
  const [command, prefix] = onPath ? ['pnpm', []] : ['npx', ['--yes', `pnpm@${version}`]];
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    process.stderr.write(`code-exec-bridge: \`pnpm ${args.join(' ')}\` failed; see above.\n`);
    process.exit(result.status ?? 1);
  }
}

if (!built || !existsSync(join(root, 'node_modules'))) {
  process.stderr.write('code-exec-bridge: installing and building this checkout first (output on stderr)\n');
  pnpm(['install', '--frozen-lockfile']);
  pnpm(['build']);
}

const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
