import { existsSync } from 'node:fs';
import { ON_CI } from '@codexec/test-support';
import { afterEach, describe, expect, test } from 'vitest';
import { type FixtureTree, materialize } from './helpers.js';

// The published build, not the source: what users of the package import.
const dist = new URL('../dist/index.js', import.meta.url);
const missing = !existsSync(dist);
if (missing && !ON_CI) {
  console.warn(
    `\n!!! SKIPPING the config-discovery dist test: ${dist.pathname} does not exist. ` +
      'Run `pnpm --filter @codexec/config-discovery build` (the test command builds first).\n',
  );
}

let tree: FixtureTree | undefined;
afterEach(async () => {
  await tree?.cleanup();
});

describe.skipIf(missing && !ON_CI)('@codexec/config-discovery dist', () => {
  test('discovers, resolves, audits and writes SARIF from the built files', async () => {
    const lib = (await import(dist.href)) as typeof import('../src/index.js');
    tree = await materialize('claude-code');
    const result = await lib.discover({
      cwd: tree.project,
      home: tree.home,
      platform: 'linux',
      env: {},
      sources: ['claude-code'],
    });
    expect(result.servers.map((s) => s.name)).toEqual([
      'docs',
      'events',
      'filesystem',
      'github',
      'memory',
      'postgres',
    ]);

    const github = result.servers.find((s) => s.name === 'github')!;
    const resolved = lib.resolveServer(github, {
      env: { GITHUB_PAT: 'pat' },
      cwd: tree.project,
      home: tree.home,
    });
    expect(resolved.server.transport).toMatchObject({ headers: { Authorization: 'Bearer pat' } });

    const findings = await lib.audit(result, { env: {}, which: () => '/usr/bin/found' });
    expect(findings.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['unpinned-package', 'auto-install-flag', 'conflicting-definitions']),
    );
    const sarif = lib.toSarif(findings, { toolVersion: '0.0.0' });
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results).toHaveLength(findings.length);
    expect(lib.formatFindingsTable(findings)).toContain('unpinned-package');

    await expect(lib.discover({ cwd: 'relative', home: '/h', platform: 'linux' })).rejects.toBeInstanceOf(
      lib.ConfigDiscoveryError,
    );
  });
});
