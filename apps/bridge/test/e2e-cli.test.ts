import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/settings.js';
import {
  bridgeEnv,
  cli,
  containersWithLabel,
  createFixture,
  DIST_CLI,
  distStatus,
  engineStatus,
  type Fixture,
  LONG,
  shouldSkip,
  until,
} from './harness.js';

// The command line of the built bridge, as a person runs it in a terminal.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const where = (fixture: Fixture) => ['--home', fixture.home, '--cwd', fixture.project];
const skipDist = shouldSkip(distStatus());
const skipEngine = skipDist || shouldSkip(await engineStatus('podman'));

describe.skipIf(skipDist)('the command line, without containers', { timeout: LONG }, () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture({
      'code-exec': { command: 'npx', args: ['-y', '@codexec/code-exec-bridge'] },
      leaky: {
        command: 'npx',
        args: ['-y', 'some-mcp-server'],
        env: { GITHUB_TOKEN: `ghp_${'a1B2c3D4e5'.repeat(4).slice(0, 36)}` },
      },
    });
    await mkdir(join(fixture.home, '.cursor'));
    await writeFile(
      join(fixture.home, '.cursor', 'mcp.json'),
      JSON.stringify({ mcpServers: { files: { command: 'cursor-files', args: [] } } }),
    );
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('prints the version of package.json', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const ran = await cli(fixture, ['--version']);
    expect(ran).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  it("runs the bridge with the root README's first command, npm start", async () => {
    const transport = new StdioClientTransport({
      command: 'npm',
      args: ['--silent', '--prefix', ROOT, 'start', '--', ...where(fixture)],
      env: bridgeEnv(fixture, 'podman'),
      cwd: fixture.project,
      stderr: 'ignore',
    });
    const client = new Client({ name: 'npm-start', version: '0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['run_python']);
      expect(tools[0]!.description).toContain('- everything');
    } finally {
      await client.close();
    }
  });

  it('lists every command and every setting in --help', async () => {
    const ran = await cli(fixture, ['--help']);
    expect(ran.code).toBe(0);
    for (const command of ['serve', 'discover', 'audit', 'doctor', 'run', 'image pull'])
      expect(ran.stdout).toContain(command);
    for (const s of SETTINGS) if (s.env) expect(ran.stdout).toContain(s.env);
  });

  it.each([
    [{ MCP_BRIDGE_TIMEOUT: 'soon' }, [], /MCP_BRIDGE_TIMEOUT=soon/],
    [{}, ['--timeout', 'soon'], /--timeout soon/],
    [{ MCP_BRIDGE_OUTPUT_MODE: 'yaml' }, [], /MCP_BRIDGE_OUTPUT_MODE=yaml.*toon, compact, json/],
    [{}, ['--http', '--host', '0.0.0.0'], /without a token/],
  ])('stops start-up on a bad setting %j %j, naming it', async (env, args, message) => {
    const ran = await cli(fixture, [...args, ...where(fixture)], { env });
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(message);
  });

  it('refuses unknown commands and flags', async () => {
    expect((await cli(fixture, ['frobnicate'])).code).toBe(2);
    const ran = await cli(fixture, ['discover', '--frob']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/Unknown option '--frob'/);
  });

  it('discovers the fixture servers, their sources and what shadows what', async () => {
    const ran = await cli(fixture, ['discover', ...where(fixture)]);
    expect(ran.code).toBe(0);
    for (const name of ['everything', 'files', 'test', 'leaky'])
      expect(ran.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    expect(ran.stdout).toContain('~/.claude.json');
    expect(ran.stdout).toMatch(/Shadowed[^\n]*\n\s+files: /);
    // The entry that would start the bridge itself is skipped, never offered to the code.
    expect(ran.stdout).not.toMatch(/^code-exec\s/m);
    expect(ran.stdout).toMatch(/Skipped:\n\s+code-exec \(~\/\.claude\.json[^)]*\): /);
    const allowed = await cli(fixture, ['discover', '--allow-self-server', ...where(fixture)]);
    expect(allowed.stdout).toMatch(/^code-exec\s/m);
  });

  it('leaves out every way of starting this bridge itself, saying why; the flag keeps them and audit warns', async () => {
    const self = await createFixture({
      // The README's own registration (`claude mcp add code-exec -- node …/apps/bridge/dist/cli.js`).
      'code-exec': { command: process.execPath, args: [DIST_CLI] },
      'from-checkout': { command: 'npm', args: ['--silent', '--prefix', ROOT, 'start'] },
      pinned: { command: 'npx', args: ['-y', '@codexec/code-exec-bridge@0.1.0'] },
      bin: { command: 'code-exec-bridge', args: [] },
    });
    try {
      const ran = await cli(self, ['discover', '--json', ...where(self)]);
      const report = JSON.parse(ran.stdout) as {
        servers: { name: string }[];
        skipped: { server: { name: string }; reason: string }[];
      };
      expect(report.servers.map((s) => s.name).sort()).toEqual(['everything', 'files', 'test']);
      const reasons = Object.fromEntries(report.skipped.map((s) => [s.server.name, s.reason]));
      expect(Object.keys(reasons).sort()).toEqual(['bin', 'code-exec', 'from-checkout', 'pinned']);
      expect(reasons['code-exec']).toMatch(/^its argument ".*dist\/cli\.js" is this bridge's own file/);
      expect(reasons['from-checkout']).toMatch(/^it runs `npm start` in .*, which starts this bridge/);
      expect(reasons.pinned).toMatch(/^its argument "@codexec\/code-exec-bridge@0\.1\.0" starts this bridge/);
      expect(reasons.bin).toMatch(/^its command "code-exec-bridge" starts this bridge/);
      for (const reason of Object.values(reasons)) expect(reason).toMatch(/MCP_BRIDGE_ALLOW_SELF_SERVER=1/);

      const allowed = await cli(self, ['discover', '--json', '--allow-self-server', ...where(self)]);
      expect(
        (JSON.parse(allowed.stdout) as { servers: { name: string }[] }).servers.map((s) => s.name),
      ).toEqual(expect.arrayContaining(['bin', 'code-exec', 'from-checkout', 'pinned']));
      const audit = await cli(self, ['audit', '--json', '--allow-self-server', ...where(self)]);
      const findings = (
        JSON.parse(audit.stdout) as { findings: { ruleId: string; server?: string; severity: string }[] }
      ).findings;
      expect(
        findings
          .filter((f) => f.ruleId === 'self-reference')
          .map((f) => [f.server, f.severity])
          .sort(),
      ).toEqual([
        ['bin', 'medium'],
        ['code-exec', 'medium'],
        ['from-checkout', 'medium'],
        ['pinned', 'medium'],
      ]);
    } finally {
      await self.cleanup();
    }
  });

  it('discovers as JSON with secrets redacted', async () => {
    const ran = await cli(fixture, ['discover', '--json', ...where(fixture)]);
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout) as {
      servers: { name: string; transport: { env?: Record<string, string> } }[];
      shadowed: { server: { name: string } }[];
      sources: unknown[];
    };
    expect(report.servers.map((s) => s.name).sort()).toEqual(['everything', 'files', 'leaky', 'test']);
    expect(report.servers.find((s) => s.name === 'leaky')!.transport.env).toEqual({
      GITHUB_TOKEN: '<redacted>',
    });
    expect(ran.stdout).not.toContain('ghp_');
    expect(report.shadowed.map((s) => s.server.name)).toEqual(['files']);
    expect(report.sources.length).toBeGreaterThan(5);
  });

  it('audits: a secret in a config is a high finding and exits 1; SARIF on request', async () => {
    const table = await cli(fixture, ['audit', ...where(fixture)]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/HIGH\s+secret-in-config\s+leaky/);
    const sarif = await cli(fixture, ['audit', '--sarif', ...where(fixture)]);
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.stdout) as {
      version: string;
      runs: { tool: { driver: { name: string } }; results: unknown[] }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.tool.driver.name).toBe('code-exec-bridge');
    expect(log.runs[0]!.results.length).toBeGreaterThan(0);
    const json = await cli(fixture, ['audit', '--json', ...where(fixture)]);
    expect(
      (JSON.parse(json.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId),
    ).toContain('secret-in-config');
  });

  it('audits a clean home with exit 0', async () => {
    const clean = await createFixture();
    try {
      const ran = await cli(clean, ['audit', '--json', ...where(clean)]);
      const findings = (JSON.parse(ran.stdout) as { findings: { severity: string }[] }).findings;
      expect(findings.filter((f) => f.severity === 'high')).toEqual([]);
      expect(ran.code).toBe(0);
    } finally {
      await clean.cleanup();
    }
  });
});

describe.skipIf(skipEngine)('the command line, with podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await createFixture({ broken: { command: '/nonexistent/mcp-server', args: [] } });
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it(
    'runs code from stdin with servers and prints the rendered result',
    async () => {
      const ran = await cli(fixture, ['run', '-', '--servers', 'test', ...where(fixture)], {
        stdin: 'r = await mcp_test.add(a=40, b=2)\nprint("sum is", r["sum"])\n',
      });
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      // The smaller of the two forms: a TOON block or minified JSON.
      expect(ran.stdout).toMatch(/^```(?:toon\nstatus: success\n|json\n\{"status":"success",)/);
      expect(ran.stdout).toContain('sum is 42');
    },
    LONG,
  );

  it(
    'runs a file, exiting 1 when the code fails, in the output mode asked for',
    async () => {
      const file = join(fixture.project, 'fail.py');
      await writeFile(file, 'raise ValueError("bad input")\n');
      const ran = await cli(fixture, ['run', file, '--output-mode', 'json', ...where(fixture)]);
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/^```json\n/);
      expect(ran.stdout).toContain('ValueError: bad input');
    },
    LONG,
  );

  it(
    'ends a run on Ctrl-C with status cancelled, and removes its container',
    async () => {
      const child = spawn(
        process.execPath,
        [DIST_CLI, 'run', '-', '--log-level', 'info', ...where(fixture)],
        {
          env: bridgeEnv(fixture, 'podman'),
          cwd: fixture.project,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.stdin.end('import time\ntime.sleep(100)\n');
      const label = await until('the label', () => /label="?(codexec\.instance=[^\s"]+)/.exec(stderr)?.[1]);
      const deadline = Date.now() + 120_000;
      while ((await containersWithLabel('podman', label)).length === 0) {
        if (Date.now() > deadline) throw new Error('the run never started a container');
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stdout).toMatch(/^```(?:toon\nstatus: cancelled\n|json\n\{"status":"cancelled",)/);
      expect(await containersWithLabel('podman', label)).toEqual([]);
    },
    LONG,
  );

  it('says which file it cannot read', async () => {
    const ran = await cli(fixture, ['run', join(fixture.project, 'missing.py'), ...where(fixture)]);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/Cannot read .*missing\.py \(ENOENT\)/);
  });

  it(
    'doctor checks the engine, the image, a hello-world run and each upstream',
    async () => {
      const ran = await cli(fixture, ['doctor', ...where(fixture)]);
      expect(ran.stdout).toMatch(/\[ ok \] container engine\s+podman /);
      expect(ran.stdout).toMatch(/\[ ok \] image\s+/);
      expect(ran.stdout).toMatch(/\[ ok \] hello-world run\s+printed hello \(Python 3\.\d+/);
      // Rootful podman applies the limits with cgroups (the rootless case is e2e-rootless.test.ts).
      expect(ran.stdout).toMatch(/\[ ok \] memory limit\s+512 MiB: enforced by cgroups\n/);
      expect(ran.stdout).toMatch(/\[ ok \] process limit\s+128: enforced by cgroups\n/);
      expect(ran.stdout).toMatch(/\[ ok \] time limit\s+30s by default/);
      expect(ran.stdout).toMatch(/\[ ok \] upstream everything\s+\d+ tools \(/);
      expect(ran.stdout).toMatch(/\[ ok \] upstream test\s+\d+ tools/);
      expect(ran.stdout).toMatch(
        /\[FAIL\] upstream broken\s+.*\n\s+fix: check its entry in ~\/\.claude\.json/,
      );
      expect(ran.stdout).toMatch(/1 check failed/);
      expect(ran.code).toBe(1);
      // Progress went to stderr (not a terminal here: one line per step).
      expect(ran.stderr).toContain('… running hello-world in the sandbox');
    },
    LONG,
  );

  it(
    'doctor says what to do when the image is missing',
    async () => {
      const ran = await cli(fixture, ['doctor', '--image', 'localhost/codexec-missing:1', ...where(fixture)]);
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/\[FAIL\] image\s+localhost\/codexec-missing:1 is not present/);
      expect(ran.stdout).toContain('fix: code-exec-bridge image pull');
      expect(ran.stdout).toMatch(/\[skip\] hello-world run/);
    },
    LONG,
  );

  it(
    'image pull reports a failed pull clearly',
    async () => {
      const ran = await cli(fixture, [
        'image',
        'pull',
        '--image',
        'localhost:1/codexec-nothing:1',
        ...where(fixture),
      ]);
      expect(ran.code).toBe(1);
      expect(ran.stderr).toMatch(/Pulling localhost:1\/codexec-nothing:1 with podman/);
      expect(ran.stderr).toMatch(/code-exec-bridge: .*localhost:1\/codexec-nothing:1/);
    },
    LONG,
  );
});
