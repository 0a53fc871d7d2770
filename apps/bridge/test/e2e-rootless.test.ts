import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES_URI } from '../src/tool-description.js';
import {
  cli,
  connectStdio,
  containersWithLabel,
  createFixture,
  distStatus,
  engineCommand,
  engineStatus,
  type Fixture,
  LONG,
  type StdioSession,
  shouldSkip,
  stdoutOf,
  structuredOf,
  until,
} from './harness.js';

// The bridge on rootless podman, as an unprivileged user has it: on cgroups v1 (this machine, CI) the engine applies
// no memory, process or CPU limit, and says so only in a warning nobody reads. The runtime holds memory and
// processes itself, the bridge says what holds where (log, manual, doctor), and MCP_BRIDGE_REQUIRE_LIMITS refuses.

const skip = shouldSkip(distStatus(), await engineStatus('podman-rootless'));
/** Rootless on cgroups v1 applies no cgroup limit: the rlimit fallbacks hold them (on v2 with delegation, cgroups). */
const fallbacks = !skip && cgroupsV1();
function cgroupsV1(): boolean {
  const info = JSON.parse(
    execFileSync(engineCommand('podman-rootless'), ['info', '--format', 'json'], { encoding: 'utf8' }),
  );
  return info.host.cgroupVersion === 'v1';
}
const where = (fixture: Fixture) => ['--home', fixture.home, '--cwd', fixture.project];
const ALLOCATE_1_GIB = 'a = bytearray(1024**3)\nprint("allocated 1 GiB with a 512m limit")';

describe.skipIf(skip)('the bridge on rootless podman', { timeout: LONG }, () => {
  let fixture: Fixture;
  let session: StdioSession;

  beforeAll(async () => {
    fixture = await createFixture();
    session = await connectStdio(fixture, 'podman-rootless', { env: { MCP_BRIDGE_POOL_SIZE: '1' } });
  }, LONG);

  afterAll(async () => {
    await session?.close();
    await fixture?.cleanup();
  }, LONG);

  const call = (args: Record<string, unknown>) =>
    session.client.callTool({ name: 'run_python', arguments: args }, undefined, { timeout: LONG });

  const limitsLine = () =>
    until('the limits line in the log', () => /container limits: [^\n]*/.exec(session.stderr())?.[0]);

  it.skipIf(fallbacks)('logs at start that the engine applies the limits with cgroups', async () => {
    expect(await limitsLine()).toContain('applies memory, process and CPU limits with cgroups');
  });

  it.skipIf(!fallbacks)(
    'logs at start which limits the engine cannot apply, and how they hold instead',
    async () => {
      const line = await limitsLine();
      expect(line).toContain('rootless podman cannot apply cgroup limits on cgroups v1');
      expect(line).toContain('memory (512m) by a data limit in each process');
      expect(line).toContain('processes (128) by RLIMIT_NPROC');
      expect(session.stderr()).toMatch(/systemd\.unified_cgroup_hierarchy=1/);
    },
  );

  it('a 1 GiB allocation with a 512m limit ends as a memory error, and the session keeps its state', async () => {
    expect(structuredOf(await call({ code: 'kept = 42' }))).toMatchObject({ status: 'success' });
    const result = await call({ code: ALLOCATE_1_GIB });
    const structured = structuredOf(result);
    expect(structured.status).toBe('error');
    expect(structured.error).toMatch(/^MemoryError: .*memory limit of 512m/);
    expect(stdoutOf(result)).toEqual([]);
    const after = await call({ code: 'kept' });
    // The fallback raises MemoryError in the code, so the interpreter lives on; the out-of-memory killer does not.
    expect(structuredOf(after)).toMatchObject(
      fallbacks ? { status: 'success', value: 42 } : { status: 'error', session: { state: 'new' } },
    );
  });

  it('code calls an upstream tool from a rootless container', async () => {
    const result = await call({
      code: 'import os\nr = await mcp_test.add(a=2, b=3)\nprint(r["sum"], os.getuid())',
      servers: ['test'],
      session: 'tools',
    });
    expect(structuredOf(result)).toMatchObject({ status: 'success', calls: 1 });
    expect(stdoutOf(result)).toEqual(['5 65534']);
  });

  it('a fork bomb ends at the timeout and the next run works', async () => {
    const result = await call({
      code: 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
      timeout: 5,
      session: 'bomb',
    });
    expect(['timeout', 'error']).toContain(structuredOf(result).status);
    const next = await call({ code: "'alive'", session: 'bomb' });
    expect(structuredOf(next)).toMatchObject({ status: 'success', value: 'alive' });
  });

  it('the manual says what holds on this engine', async () => {
    const read = await session.client.readResource({ uri: CAPABILITIES_URI });
    const text = String((read.contents[0] as { text?: string }).text);
    expect(text).toMatch(
      fallbacks
        ? /\| memory \| 512m per process \(this engine applies no cgroup limit/
        : /\| memory \| 512m, no swap \|/,
    );
    expect(text).toMatch(
      fallbacks
        ? /\| processes \| 128 \(an rlimit, shared with the other sandboxes/
        : /\| processes \| 128 \|/,
    );
  });

  it.skipIf(!fallbacks)(
    'doctor shows each limit as enforced by a fallback, or not, with the fix',
    async () => {
      const ran = await cli(fixture, ['doctor', ...where(fixture)], {
        engine: 'podman-rootless',
        env: { MCP_BRIDGE_CPUS: '1' },
      });
      expect(ran.stdout).toMatch(/\[ ok \] container engine\s+podman [\d.]+, rootless/);
      expect(ran.stdout).toMatch(/\[ ok \] hello-world run/);
      expect(ran.stdout).toMatch(/\[ ok \] file size limit\s+64 MiB: enforced by RLIMIT_FSIZE/);
      expect(ran.stdout).toMatch(/\[ ok \] time limit\s+30s by default: enforced by the bridge/);
      expect(ran.stdout).toMatch(
        /\[warn\] memory limit\s+512 MiB: enforced by a fallback: a per-process data limit of/,
      );
      expect(ran.stdout).toMatch(/\[warn\] process limit\s+128: enforced by a fallback: RLIMIT_NPROC 128/);
      expect(ran.stdout).toMatch(/\[warn\] CPU limit\s+1: not enforced/);
      expect(ran.stdout).toMatch(/fix: boot the host with cgroups v2/);
    },
  );

  it.skipIf(!fallbacks)(
    'MCP_BRIDGE_REQUIRE_LIMITS=cgroup refuses to run code, and doctor fails',
    async () => {
      const ran = await cli(fixture, ['run', '-', ...where(fixture)], {
        engine: 'podman-rootless',
        env: { MCP_BRIDGE_REQUIRE_LIMITS: 'cgroup' },
        stdin: 'print("ran")',
      });
      expect(ran.code).not.toBe(0);
      expect(ran.stdout).not.toContain('ran\n');
      expect(`${ran.stdout}${ran.stderr}`).toMatch(
        /requires its limits to be enforced by cgroups \(MCP_BRIDGE_REQUIRE_LIMITS\), and this engine does not: memory 512 MiB: enforced by a fallback/,
      );
      const doctor = await cli(fixture, ['doctor', ...where(fixture)], {
        engine: 'podman-rootless',
        env: { MCP_BRIDGE_REQUIRE_LIMITS: 'cgroup' },
      });
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(/\[FAIL\] memory limit/);
    },
  );

  it('leaves no container behind', async () => {
    await session.close();
    const label = await session.instanceLabel();
    await until('the containers to be removed', async () =>
      (await containersWithLabel('podman-rootless', label)).length === 0 ? true : undefined,
    );
  });

  it('the text of the memory error, as `run` prints it, names the limit', async () => {
    const ran = await cli(fixture, ['run', '-', ...where(fixture)], {
      engine: 'podman-rootless',
      stdin: ALLOCATE_1_GIB,
    });
    expect(ran.code).not.toBe(0);
    expect(ran.stdout).toMatch(/MemoryError/);
    expect(ran.stdout).toMatch(/memory limit of 512m/);
    expect(ran.stdout).not.toContain('allocated 1 GiB');
  });
});
