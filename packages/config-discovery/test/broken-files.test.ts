import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscoveryResult, discover } from '../src/index.js';

const isRoot = process.getuid?.() === 0;
let root: string;
let home: string;
let project: string;
let result: DiscoveryResult;
let fifoMade = false;

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'config-discovery-broken-'));
  home = path.join(root, 'home');
  project = path.join(root, 'project');

  // Broken JSON.
  await write(
    path.join(project, '.mcp.json'),
    '{\n  "mcpServers": {\n    "a": { "command": "a", }\n    "b": {}\n',
  );
  // One entry of the wrong type, one good.
  await write(
    path.join(project, '.cursor', 'mcp.json'),
    JSON.stringify({
      mcpServers: { wrong: { command: 'x', args: 'not-an-array' }, right: { command: 'ok-cursor' } },
    }),
  );
  // A non-object top level.
  await write(path.join(project, '.vscode', 'mcp.json'), '["servers"]');
  // A huge (sparse) file: 6 GiB on paper, nothing read.
  const huge = path.join(project, '.gemini', 'settings.json');
  await write(huge, '{"mcpServers": {"never": {"command": "x"}}}');
  const handle = await open(huge, 'r+');
  await handle.truncate(6 * 1024 ** 3);
  await handle.close();
  // A symbolic-link loop.
  await mkdir(home, { recursive: true });
  await symlink(path.join(home, 'loop-b'), path.join(home, '.claude.json'));
  await symlink(path.join(home, '.claude.json'), path.join(home, 'loop-b'));
  // A directory where a file is expected.
  await mkdir(path.join(home, '.cursor', 'mcp.json'), { recursive: true });
  // A named pipe: opening it for reading would block without a writer.
  await mkdir(path.join(home, '.codeium', 'windsurf'), { recursive: true });
  try {
    execFileSync('mkfifo', [path.join(home, '.codeium', 'windsurf', 'mcp_config.json')]);
    fifoMade = true;
  } catch {
    fifoMade = false;
  }
  // A file without read permission (only unreadable for a non-root user).
  const locked = path.join(home, '.codex', 'config.toml');
  await write(locked, '[mcp_servers.locked]\ncommand = "locked"\n');
  await chmod(locked, 0o000);
  // Good files that must still be read.
  await write(
    path.join(project, '.zed', 'settings.json'),
    '{ "context_servers": { "zed-ok": { "command": "z" } } }',
  );
  await write(
    path.join(home, '.config', 'opencode', 'opencode.json'),
    '{ "mcp": { "opencode-ok": { "type": "remote", "url": "https://ok/mcp" } } }',
  );

  result = await discover({
    cwd: project,
    home,
    platform: 'linux',
    env: { GEMINI_CLI_SYSTEM_SETTINGS_PATH: path.join(root, 'none.json') },
    timeoutMs: 60_000,
  });
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function diagnosticFor(file: string) {
  return result.diagnostics.filter((d) => d.file === file);
}

describe('one bad file or entry is a diagnostic; everything else is still read', () => {
  it('still reads the good files and the good entry next to a bad one', () => {
    expect(result.servers.map((s) => s.name)).toEqual(
      expect.arrayContaining(['opencode-ok', 'right', 'zed-ok']),
    );
    expect(result.servers.map((s) => s.name)).not.toContain('never');
  });

  it('broken JSON: parse-error with line and column', () => {
    const [d] = diagnosticFor(path.join(project, '.mcp.json'));
    expect(d).toMatchObject({ code: 'parse-error', severity: 'error', client: 'claude-code' });
    expect(d!.message).toMatch(/\.mcp\.json:\d+:\d+: not valid JSON/);
    expect(result.sources.find((s) => s.file === path.join(project, '.mcp.json'))).toMatchObject({
      status: 'error',
    });
  });

  it('wrong types: invalid-entry naming the entry and field', () => {
    const [d] = diagnosticFor(path.join(project, '.cursor', 'mcp.json'));
    expect(d).toMatchObject({ code: 'invalid-entry', server: 'wrong', path: ['mcpServers', 'wrong'] });
    expect(d!.message).toContain('"args" must be an array of strings');
  });

  it('a non-object top level: invalid-root', () => {
    expect(diagnosticFor(path.join(project, '.vscode', 'mcp.json'))).toMatchObject([
      { code: 'invalid-root' },
    ]);
  });

  it('a huge file: file-too-large, not read', () => {
    const [d] = diagnosticFor(path.join(project, '.gemini', 'settings.json'));
    expect(d).toMatchObject({ code: 'file-too-large' });
    expect(d!.message).toContain('6442450944 bytes');
  });

  it('a symlink loop: symlink-loop', () => {
    expect(diagnosticFor(path.join(home, '.claude.json'))).toMatchObject([
      { code: 'symlink-loop', severity: 'error' },
    ]);
  });

  it('a directory where a file is expected: not-a-file', () => {
    const [d] = diagnosticFor(path.join(home, '.cursor', 'mcp.json'));
    expect(d).toMatchObject({ code: 'not-a-file' });
    expect(d!.message).toContain('a directory');
  });

  it('a named pipe: not-a-file, without blocking', (ctx) => {
    if (!fifoMade) ctx.skip('mkfifo is not available on this machine: the named-pipe case cannot be set up');
    const [d] = diagnosticFor(path.join(home, '.codeium', 'windsurf', 'mcp_config.json'));
    expect(d).toMatchObject({ code: 'not-a-file' });
    expect(d!.message).toContain('a named pipe');
  });

  it('an unreadable file (mode 000): permission-denied', (ctx) => {
    if (isRoot) {
      // root reads any file whatever its mode; the injected file system covers this case in src/discover.test.ts.
      ctx.skip(
        'running as root, which can read a mode-000 file; covered with the injected file system instead',
      );
    }
    expect(diagnosticFor(path.join(home, '.codex', 'config.toml'))).toMatchObject([
      { code: 'permission-denied' },
    ]);
  });

  it('an unreadable file, read by an unprivileged user when the tests run as root', async (ctx) => {
    if (!isRoot) ctx.skip('not root: the mode-000 case above already ran as this user');
    // Run discovery as uid/gid 65534 in a child process, on a world-traversable copy of the situation.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'config-discovery-nobody-'));
    try {
      await chmod(dir, 0o755);
      const locked = path.join(dir, 'home', '.codex', 'config.toml');
      await write(locked, '[mcp_servers.locked]\ncommand = "locked"\n');
      await chmod(locked, 0o000);
      await write(
        path.join(dir, 'project', '.mcp.json'),
        JSON.stringify({ mcpServers: { readable: { command: 'r' } } }),
      );
      const entry = pathToFileURL(
        path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.ts'),
      ).href;
      const script = path.join(dir, 'run.mts');
      await writeFile(
        script,
        `import { discover } from ${JSON.stringify(entry)};\n` +
          `const r = await discover({ cwd: ${JSON.stringify(path.join(dir, 'project'))}, home: ${JSON.stringify(path.join(dir, 'home'))}, platform: 'linux', env: {}, sources: ['codex', 'claude-code'] });\n` +
          'process.stdout.write(JSON.stringify({ servers: r.servers.map((s) => s.name), diagnostics: r.diagnostics }));\n',
      );
      await chmod(script, 0o644);
      const tsxPath = createRequire(import.meta.url).resolve('tsx/esm');
      const tsx = pathToFileURL(tsxPath).href;
      const probe = spawnSync(
        process.execPath,
        [
          '-e',
          `require('fs').accessSync(${JSON.stringify(fileURLToPath(entry))}); require('fs').accessSync(${JSON.stringify(tsxPath)})`,
        ],
        { uid: 65534, gid: 65534, cwd: dir, timeout: 30_000 },
      );
      if (probe.status !== 0)
        ctx.skip(
          'the work tree is not readable by uid 65534, so the unprivileged child cannot load the code',
        );
      const child = spawnSync(process.execPath, ['--import', tsx, script], {
        uid: 65534,
        gid: 65534,
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir },
        timeout: 60_000,
      });
      expect(child.stderr).toBe('');
      const out = JSON.parse(child.stdout) as {
        servers: string[];
        diagnostics: { code: string; file: string }[];
      };
      expect(out.servers).toEqual(['readable']);
      expect(out.diagnostics).toMatchObject([{ code: 'permission-denied', file: locked }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
