import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audit,
  type DiscoveryResult,
  discover,
  type Finding,
  formatFindingsTable,
  toSarif,
} from '../src/index.js';
import { type FixtureTree, materializeMany } from './helpers.js';

// Every client's fixture on one machine: the same names appear in several clients and scopes.
const CLIENTS = [
  'claude-code',
  'cursor',
  'vscode',
  'windsurf',
  'gemini-cli',
  'codex',
  'opencode',
  'zed',
  'cline',
  'roo-code',
  'generic',
];
let tree: FixtureTree;
let result: DiscoveryResult;
let env: Record<string, string>;

beforeAll(async () => {
  tree = await materializeMany(CLIENTS);
  // A PATH with a few of the commands the fixtures use, as real executables.
  const bin = path.join(tree.root, 'bin');
  await mkdir(bin);
  for (const name of ['npx', 'uvx', 'node', 'python', 'python3']) {
    await writeFile(path.join(bin, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  await writeFile(path.join(bin, 'not-executable'), 'data', { mode: 0o644 });
  env = { PATH: bin, GEMINI_CLI_SYSTEM_SETTINGS_PATH: path.join(tree.root, 'none.json') };
  result = await discover({ cwd: tree.project, home: tree.home, platform: 'linux', env });
}, 60_000);

afterAll(async () => {
  await tree.cleanup();
});

function winner(name: string) {
  const server = result.servers.find((s) => s.name === name);
  return server && `${server.source.client} ${server.source.scope}${server.enabled ? '' : ' disabled'}`;
}

describe('precedence and shadowing across clients', () => {
  it('project beats user across clients', () => {
    expect(winner('github')).toBe('vscode project');
    expect(winner('events')).toBe('vscode project');
    expect(winner('filesystem')).toBe('claude-code project');
  });

  it('within one scope the client order decides (claude-code, cursor, vscode, windsurf, …, generic)', () => {
    expect(winner('time')).toBe('vscode user');
    expect(winner('figma')).toBe('windsurf user');
  });

  it('an enabled definition in another client beats a disabled one', () => {
    expect(winner('context7')).toBe('opencode project');
    expect(winner('legacy-sse')).toBe('cursor project');
    // Claude Code's project "docs" was rejected in ~/.claude.json; Codex's user "docs" is enabled.
    expect(winner('docs')).toBe('codex user');
  });

  it('every losing definition points at the winner', () => {
    const github = result.shadowed.filter((s) => s.server.name === 'github');
    expect(github.map((s) => `${s.server.source.client} ${s.server.source.scope}`).sort()).toEqual([
      'claude-code user',
      'windsurf user',
    ]);
    for (const loser of result.shadowed) {
      const won = result.servers.find((s) => s.name === loser.server.name);
      expect(loser.shadowedBy).toEqual(won!.source);
    }
    const names = result.servers.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('is deterministic: the same machine read twice gives the same result', async () => {
    const again = await discover({ cwd: tree.project, home: tree.home, platform: 'linux', env });
    expect(again).toEqual(result);
  });
});

describe('auditing the machine', () => {
  let findings: Finding[];
  beforeAll(async () => {
    // The caller's own rule for entries that would start it (the bridge passes its self-detection).
    const selfReference = (server: { name: string }) =>
      server.name === 'mcp-server-code-execution-mode' ? 'its name is the caller’s' : undefined;
    findings = await audit(result, { env, selfReference });
  });

  it('finds conflicting definitions, unpinned runners, missing commands and self-references', () => {
    const byRule = (rule: string) => findings.filter((f) => f.ruleId === rule).map((f) => f.server);
    expect(byRule('conflicting-definitions')).toEqual(
      expect.arrayContaining(['github', 'events', 'filesystem', 'time']),
    );
    expect(byRule('unpinned-package')).toEqual(expect.arrayContaining(['filesystem', 'fetch', 'git']));
    expect(byRule('unpinned-package')).not.toContain('browser');
    expect(byRule('command-not-found')).toEqual(
      expect.arrayContaining(['repo tools', 'local-mcp-server', 'older-style']),
    );
    expect(byRule('command-not-found')).not.toContain('filesystem');
    expect(byRule('self-reference')).toEqual(['mcp-server-code-execution-mode']);
    expect(findings.filter((f) => f.ruleId === 'secret-in-config')).toEqual([]);
  });

  it('a secret written into a world-readable file is found, redacted, and the file mode reported', async () => {
    const file = path.join(tree.home, '.cursor', 'mcp.json');
    const original = await readFile(file, 'utf8');
    const token = `ghp_${'Xk29dLq84RmZ1pW7vN3cT6yH0bJ5sF2gA8eU'}`;
    try {
      await writeFile(file, original.replace('"env": {}', `"env": { "GITHUB_TOKEN": "${token}" }`));
      await chmod(file, 0o644);
      const withSecret = await discover({ cwd: tree.project, home: tree.home, platform: 'linux', env });
      const found = await audit(withSecret, { env });
      expect(found.filter((f) => f.ruleId === 'secret-in-config')).toMatchObject([
        {
          server: 'browser',
          severity: 'high',
          location: { file, path: ['mcpServers', 'browser', 'env', 'GITHUB_TOKEN'] },
        },
      ]);
      expect(found.filter((f) => f.ruleId === 'secret-file-permissions')).toMatchObject([
        { location: { file } },
      ]);
      expect(JSON.stringify(found)).not.toContain(token);
      expect(formatFindingsTable(found)).not.toContain(token);
      expect(JSON.stringify(toSarif(found, { toolVersion: '0.0.0' }))).not.toContain(token);

      await chmod(file, 0o600);
      const privateFile = await audit(
        await discover({ cwd: tree.project, home: tree.home, platform: 'linux', env }),
        { env },
      );
      expect(privateFile.filter((f) => f.ruleId === 'secret-file-permissions')).toEqual([]);
    } finally {
      await writeFile(file, original);
    }
  });
});
