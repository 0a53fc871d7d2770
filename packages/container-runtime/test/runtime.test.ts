import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ContainerLimits,
  type ContainerRuntime,
  ContainerRuntimeError,
  type ContainerSpec,
  containerLabels,
  containerName,
  createDockerRuntime,
  createPodmanRuntime,
  DEFAULT_LIMITS,
  LABEL_INSTANCE,
  ownerLabels,
  type PullProgress,
  type RunningContainer,
  reapOrphans,
} from '../src/index.js';
import {
  cli,
  containersLabelled,
  containersNamed,
  firstLine,
  hangingSocket,
  hangingTcpServer,
  probeEngines,
  RUN_ID,
  readAll,
  requireEngine,
  TEST_IMAGE,
} from './engines.js';

const INSTANCE = `test-${RUN_ID}`;
const LABELS = containerLabels(INSTANCE);
const HOST_SECRET = `host-secret-${RUN_ID}`;

const engines = await probeEngines();
let counter = 0;

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  counter += 1;
  return {
    image: TEST_IMAGE,
    name: containerName(`${RUN_ID}-${counter}`),
    labels: LABELS,
    command: ['python3', '-c', 'print("hello")'],
    limits: { ...DEFAULT_LIMITS },
    ...overrides,
  };
}

async function finish(
  container: RunningContainer,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const [stdout, stderr, exit] = await Promise.all([
    readAll(container.stdout),
    readAll(container.stderr),
    container.exited,
  ]);
  return { stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), code: exit.code };
}

/** Python that reports everything the hardening should have done, as one JSON line. */
const PROBE = String.raw`
import json, os, resource, socket, subprocess
def attempt(fn):
    try:
        fn()
        return 'ok'
    except Exception as e:
        return type(e).__name__ + ': ' + str(e)
def read(*paths):
    for p in paths:
        try:
            return open(p).read().strip()
        except OSError:
            pass
    return None
def connect():
    socket.create_connection(('1.1.1.1', 53), timeout=3).close()
def exec_tmp():
    with open('/tmp/run.sh', 'w') as f:
        f.write('#!/bin/sh\necho ran\n')
    os.chmod('/tmp/run.sh', 0o755)
    subprocess.run(['/tmp/run.sh'], check=True, capture_output=True)
status = dict(l.split(':\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\t' in l)
print(json.dumps({
    'uid': os.getuid(), 'gid': os.getgid(), 'cwd': os.getcwd(),
    'environ': [e for e in open('/proc/self/environ', 'rb').read().decode().split('\0') if e],
    'interfaces': sorted(os.listdir('/sys/class/net')),
    'connect': attempt(connect),
    'write_root': attempt(lambda: open('/codexec-probe', 'w').write('x')),
    'write_etc': attempt(lambda: open('/etc/passwd', 'a').write('x')),
    'write_var_tmp': attempt(lambda: open('/var/tmp/x', 'w').write('x')),
    'write_tmp': attempt(lambda: open('/tmp/x', 'w').write('x')),
    'write_workspace': attempt(lambda: open('/workspace/x', 'w').write('x')),
    'exec_tmp': attempt(exec_tmp),
    'cap_eff': status.get('CapEff', '').strip(),
    'no_new_privs': status.get('NoNewPrivs', '').strip(),
    'memory': read('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'),
    'memsw': read('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    'swap': read('/sys/fs/cgroup/memory.swap.max'),
    'pids': read('/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/pids/pids.max'),
    'cpu_quota': read('/sys/fs/cgroup/cpu.max', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'),
    'nofile': resource.getrlimit(resource.RLIMIT_NOFILE),
    'nproc': resource.getrlimit(resource.RLIMIT_NPROC),
    'mounts': [l.split()[1:4] for l in open('/proc/self/mounts') if l.split()[1] in ('/', '/tmp', '/workspace')],
}))
`;

/** Reads a length-prefixed program from stdin and runs it, the way the sandbox sends its runtime. */
const BOOTSTRAP =
  "import sys;n=int(sys.stdin.buffer.readline());exec(compile(sys.stdin.buffer.read(n),'program','exec'))";

describe.each(engines)('$engine', (probe) => {
  requireEngine(probe);
  const engine = probe.engine;

  describe.skipIf(probe.missing !== undefined)('against the real engine', () => {
    let runtime: ContainerRuntime;
    const create = engine === 'podman' ? createPodmanRuntime : createDockerRuntime;

    const dockerConfig = mkdtempSync(join(tmpdir(), 'codexec-docker-config-'));

    beforeAll(async () => {
      process.env.CODEXEC_TEST_HOST_SECRET = HOST_SECRET;
      const proxy = `http://${HOST_SECRET}.invalid:3128`;
      // Proxies the docker CLI would add to every container from its config.json.
      writeFileSync(
        join(dockerConfig, 'config.json'),
        JSON.stringify({
          proxies: { default: { httpProxy: proxy, httpsProxy: proxy, noProxy: HOST_SECRET } },
        }),
      );
      // Variables podman would copy into containers by default (--http-proxy), in the CLI's own environment.
      runtime = create({
        env: {
          http_proxy: proxy,
          HTTPS_PROXY: proxy,
          no_proxy: HOST_SECRET,
          ...(engine === 'docker' ? { DOCKER_CONFIG: dockerConfig } : {}),
        },
      });
    });

    afterAll(async () => {
      delete process.env.CODEXEC_TEST_HOST_SECRET;
      rmSync(dockerConfig, { recursive: true, force: true });
      await create().reap(LABELS);
    });

    it('answers info', async () => {
      const info = await runtime.info();
      expect(info.engine).toBe(engine);
      expect(info.version).toMatch(/\d+\.\d+/);
      expect(typeof info.rootless).toBe('boolean');
      expect(info.ociRuntimes.length).toBeGreaterThan(0);
      if (info.defaultOciRuntime) expect(info.ociRuntimes).toContain(info.defaultOciRuntime);
    });

    it('knows which images are there', async () => {
      expect(await runtime.imageExists(TEST_IMAGE)).toBe(true);
      expect(await runtime.imageExists(`localhost/codexec-missing-${RUN_ID}:none`)).toBe(false);
    });

    it('runs a hardened container: uid 65534, no network, read-only root, noexec tmpfs, no host variable, limits', async () => {
      const limits: ContainerLimits = { ...DEFAULT_LIMITS, memory: '256m', pids: 64, cpus: '1', nofile: 512 };
      const container = runtime.spawn(
        spec({ limits, env: { PROBE: 'yes' }, command: ['python3', '-c', PROBE] }),
      );
      container.stdin.end();
      const { stdout, stderr, code } = await finish(container);
      expect(code, stderr).toBe(0);
      const report = JSON.parse(stdout);

      expect([report.uid, report.gid]).toEqual([65534, 65534]);
      expect(report.cwd).toBe('/workspace');
      expect(report.interfaces).toEqual(['lo']);
      expect(report.connect).toMatch(/^OSError|unreachable/i);
      expect(report.write_root).toMatch(/Read-only file system|Permission denied/);
      expect(report.write_etc).toMatch(/Read-only file system|Permission denied/);
      expect(report.write_var_tmp).not.toBe('ok');
      expect(report.write_tmp).toBe('ok');
      expect(report.write_workspace).toBe('ok');
      expect(report.exec_tmp).toMatch(/PermissionError/);
      expect(report.cap_eff).toBe('0000000000000000');
      expect(report.no_new_privs).toBe('1');
      expect(report.nofile).toEqual([512, 512]);
      expect(report.nproc).toEqual([DEFAULT_LIMITS.nproc, DEFAULT_LIMITS.nproc]);
      const mounts = Object.fromEntries(
        report.mounts.map(([path, type, opts]: string[]) => [path, { type, opts }]),
      );
      expect(mounts['/'].opts.split(',')).toContain('ro');
      for (const path of ['/tmp', '/workspace']) {
        expect(mounts[path].type).toBe('tmpfs');
        expect(mounts[path].opts.split(',')).toEqual(expect.arrayContaining(['noexec', 'nosuid', 'nodev']));
      }

      // Nothing from the host: only the image's variables, what the engine must set, and spec.env.
      const environ: string[] = report.environ;
      expect(environ.join('\n')).not.toContain(HOST_SECRET);
      const inspected = await cli(engine, [
        'image',
        'inspect',
        '--format',
        '{{json .Config.Env}}',
        TEST_IMAGE,
      ]);
      const imageKeys = ((JSON.parse(inspected.stdout || 'null') as string[] | null) ?? []).map(
        (e) => e.split('=')[0],
      );
      const allowed = new Set(['PATH', 'HOME', 'HOSTNAME', 'PROBE', ...imageKeys]);
      expect(environ.map((e) => e.split('=')[0]).filter((k) => !allowed.has(k!))).toEqual([]);
      expect(environ).toContain('PROBE=yes');

      const info = await runtime.info();
      if (info.rootless && info.cgroupVersion === '1') {
        console.warn(`${engine} is rootless on cgroups v1: it ignores memory/pids/cpu limits; not checked`);
        return;
      }
      const bytes = String(256 * 1024 * 1024);
      expect(report.memory).toBe(bytes);
      if (report.memsw !== null) expect(report.memsw).toBe(bytes);
      else expect(report.swap).toBe('0');
      expect(report.pids).toBe('64');
      expect(report.cpu_quota).toMatch(/^100000( 100000)?$/);
    });

    it('pipes a program in over stdin and talks to it line by line', async () => {
      const container = runtime.spawn(spec({ command: ['python3', '-u', '-c', BOOTSTRAP] }));
      const program = Buffer.from(
        'import sys\nfor line in sys.stdin:\n    print(line.strip().upper(), flush=True)\n    if line.strip() == "bye": break\n',
      );
      container.stdin.write(`${program.length}\n`);
      container.stdin.write(program);
      const lines: string[] = [];
      let pending = '';
      const got = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => {
            if (lines.length >= n) {
              container.stdout.off('data', onData);
              resolve();
            }
          };
          const onData = (chunk: Buffer) => {
            pending += chunk.toString();
            const parts = pending.split('\n');
            pending = parts.pop()!;
            lines.push(...parts);
            check();
          };
          container.stdout.on('data', onData);
          check();
        });
      container.stdin.write('hello\n');
      await got(1);
      expect(lines).toEqual(['HELLO']);
      container.stdin.write('world\nbye\n');
      await got(3);
      expect(lines).toEqual(['HELLO', 'WORLD', 'BYE']);
      container.stdin.end();
      container.stdout.resume();
      container.stderr.resume();
      expect((await container.exited).code).toBe(0);
    });

    it('passes a socket into the container as fd 3 beside stdio with podman; docker refuses', async () => {
      if (engine === 'docker') {
        expect(runtime.passesDescriptors).toBe(false);
        expect(() => runtime.spawn(spec({ channel: true }))).toThrow(/spec.channel/);
        return;
      }
      expect(runtime.passesDescriptors).toBe(true);
      const echo = [
        'import os',
        'print("on stdout", flush=True)',
        'data = b""',
        'while not data.endswith(b"\\n"):',
        '    data += os.read(3, 4096)',
        'os.write(3, data.upper())',
      ].join('\n');
      const container = runtime.spawn(spec({ command: ['python3', '-u', '-c', echo], channel: true }));
      const channel = container.channel!;
      expect(channel).toBeDefined();
      container.stderr.resume();
      const stdout = readAll(container.stdout);
      channel.write('through the socket\n');
      expect(await firstLine(channel)).toBe('THROUGH THE SOCKET\n');
      container.stdin.end();
      expect((await container.exited).code).toBe(0);
      expect((await stdout).toString()).toBe('on stdout\n');
      channel.destroy();
    });

    it('gives stdout as raw bytes, and keeps every byte for a reader that comes late', async () => {
      const size = 4 * 1024 * 1024;
      const container = runtime.spawn(
        spec({
          command: [
            'python3',
            '-c',
            `import sys; sys.stdout.buffer.write(bytes(range(256)) * ${size / 256}); sys.stdout.buffer.flush()`,
          ],
        }),
      );
      container.stdin.end();
      container.stderr.resume();
      await delay(1500);
      const stdout = await readAll(container.stdout);
      expect(stdout.length).toBe(size);
      expect(stdout.equals(Buffer.alloc(size, Buffer.from(Array.from({ length: 256 }, (_, i) => i))))).toBe(
        true,
      );
      expect((await container.exited).code).toBe(0);
    });

    it('stop() in the middle of a run removes the container and the client exits', async () => {
      const s = spec({ command: ['python3', '-u', '-c', 'import time\nprint("ready")\ntime.sleep(600)'] });
      const container = runtime.spawn(s);
      container.stderr.resume();
      expect(await firstLine(container.stdout)).toBe('ready\n');
      expect(await containersNamed(engine, s.name)).toEqual([s.name]);
      // Concurrent and repeated calls share one stop.
      await Promise.all([container.stop(), container.stop(), container.stop()]);
      const exit = await container.exited;
      expect(exit.error).toBeUndefined();
      expect(await containersNamed(engine, s.name)).toEqual([]);
      expect((await runtime.list(LABELS)).map((c) => c.name)).not.toContain(s.name);
      await container.stop();
    });

    it('stop() right after spawn leaves nothing behind, even before the engine has created the container', async () => {
      const s = spec({ command: ['python3', '-c', 'import time; time.sleep(600)'] });
      const container = runtime.spawn(s);
      container.stdout.resume();
      container.stderr.resume();
      await container.stop();
      await container.exited;
      await delay(1000);
      expect(await containersNamed(engine, s.name)).toEqual([]);
    });

    it('stop() after the program ended by itself is quick and harmless', async () => {
      const s = spec();
      const container = runtime.spawn(s);
      container.stdin.end();
      const { stdout, code } = await finish(container);
      expect([stdout, code]).toEqual(['hello\n', 0]);
      await container.stop();
      expect(await containersNamed(engine, s.name)).toEqual([]);
    });

    it("a container killed by its memory limit leaves no file in the caller's working directory", async () => {
      // podman's conmon writes a file named `oom` into the CLI's working directory on an out-of-memory kill.
      const stray = join(process.cwd(), 'oom');
      const before = existsSync(stray);
      const container = runtime.spawn(
        spec({
          limits: { ...DEFAULT_LIMITS, memory: '64m' },
          command: ['python3', '-c', "x = b'x' * (1024 ** 3)"],
        }),
      );
      container.stdin.end();
      const { code } = await finish(container);
      expect(code).not.toBe(0);
      await container.stop();
      if (!before) expect(existsSync(stray)).toBe(false);
    });

    it('stop() kills the client when rm -f hangs, and does not hang itself', async () => {
      // An engine whose `rm` never returns: every other command goes to the real CLI.
      const dir = mkdtempSync(join(tmpdir(), 'codexec-stuck-rm-'));
      const wrapper = join(dir, engine);
      writeFileSync(wrapper, `#!/bin/sh\nif [ "$1" = rm ]; then exec sleep 600; fi\nexec ${engine} "$@"\n`, {
        mode: 0o755,
      });
      try {
        const stuck = create({ command: wrapper, stopTimeoutMs: 3000 });
        const s = spec({ command: ['python3', '-u', '-c', 'import time\nprint("ready")\ntime.sleep(600)'] });
        const container = stuck.spawn(s);
        container.stderr.resume();
        await once(container.stdout, 'data');
        const started = Date.now();
        await container.stop();
        expect(Date.now() - started).toBeLessThan(60_000);
        const exit = await container.exited;
        expect(exit.signal).toBe('SIGKILL');
        // rm never ran, so the container outlived its client: what reap() is for.
        await runtime.remove(s.name);
        expect(await containersNamed(engine, s.name)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the spawn signal stops the container', async () => {
      const controller = new AbortController();
      const s = spec({ command: ['python3', '-u', '-c', 'import time\nprint("ready")\ntime.sleep(600)'] });
      const container = runtime.spawn(s, { signal: controller.signal });
      container.stderr.resume();
      await once(container.stdout, 'data');
      controller.abort();
      await container.exited;
      await container.stop();
      expect(await containersNamed(engine, s.name)).toEqual([]);
    });

    it('reap() removes what a crashed bridge left behind, and only that', async () => {
      const crashed = containerLabels(`crashed-${RUN_ID}`);
      const names = [containerName(`${RUN_ID}-left-1`), containerName(`${RUN_ID}-left-2`)];
      const survivor = containerName(`${RUN_ID}-other`);
      const labelArgs = (labels: Record<string, string>) =>
        Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
      const limitArgs = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--network', 'none'];
      // A running one and a created-never-started one, as a killed bridge can leave them.
      expect(
        (
          await cli(engine, [
            'run',
            '-d',
            '--name',
            names[0]!,
            ...labelArgs(crashed),
            ...limitArgs,
            TEST_IMAGE,
            'sleep',
            '600',
          ])
        ).exitCode,
      ).toBe(0);
      expect(
        (await cli(engine, ['create', '--name', names[1]!, ...labelArgs(crashed), ...limitArgs, TEST_IMAGE]))
          .exitCode,
      ).toBe(0);
      expect(
        (
          await cli(engine, [
            'run',
            '-d',
            '--name',
            survivor,
            ...labelArgs(LABELS),
            ...limitArgs,
            TEST_IMAGE,
            'sleep',
            '600',
          ])
        ).exitCode,
      ).toBe(0);

      const listed = await runtime.list(crashed);
      expect(listed.map((c) => c.name).sort()).toEqual([...names].sort());
      expect(listed.every((c) => c.labels[LABEL_INSTANCE] === `crashed-${RUN_ID}`)).toBe(true);
      expect(new Set(listed.map((c) => c.state))).toEqual(new Set(['running', 'created']));

      expect((await runtime.reap(crashed)).sort()).toEqual([...names].sort());
      expect(await containersLabelled(engine, `${LABEL_INSTANCE}=crashed-${RUN_ID}`)).toEqual([]);
      expect(await containersNamed(engine, survivor)).toEqual([survivor]);
      expect(await runtime.reap(crashed)).toEqual([]);
      await runtime.remove(survivor);
      expect(await containersNamed(engine, survivor)).toEqual([]);
    });

    it('reapOrphans() removes managed containers whose owner process died, and keeps those of live owners', async () => {
      const exited = execa('true');
      const deadPid = exited.pid!;
      await exited;
      const orphan = containerName(`${RUN_ID}-orphan`);
      const kept = containerName(`${RUN_ID}-owned`);
      const start = async (name: string, labels: Record<string, string>) => {
        const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
        const args = ['run', '-d', '--name', name, ...labelArgs, '--network', 'none'];
        const rlimits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
        expect((await cli(engine, [...args, ...rlimits, TEST_IMAGE, 'sleep', '600'])).exitCode).toBe(0);
      };
      await start(orphan, { ...LABELS, ...ownerLabels({ pid: deadPid }) });
      await start(kept, { ...LABELS, ...ownerLabels() });

      const removed = await reapOrphans(runtime);
      expect(removed).toContain(orphan);
      expect(removed).not.toContain(kept);
      expect(await containersNamed(engine, orphan)).toEqual([]);
      expect(await containersNamed(engine, kept)).toEqual([kept]);
      await runtime.remove(kept);
    });

    it('reap() refuses an empty label set (it would remove every container)', async () => {
      await expect(runtime.reap({})).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    });

    it('remove() of a container that is not there succeeds', async () => {
      await runtime.remove(containerName(`${RUN_ID}-never-existed`));
    });

    it('a missing image ends the container with IMAGE_MISSING, without pulling', async () => {
      const image = `localhost/codexec-missing-${RUN_ID}:none`;
      const container = runtime.spawn(spec({ image }));
      container.stdin.end();
      const { code } = await finish(container);
      const { error } = await container.exited;
      expect(code).toBe(125);
      expect(error).toBeInstanceOf(ContainerRuntimeError);
      expect(error?.code).toBe('IMAGE_MISSING');
      expect(error?.message).toContain(`${engine} pull ${image}`);
    });

    it('an unknown OCI runtime gives OCI_RUNTIME_MISSING', async () => {
      const container = runtime.spawn(
        spec({ limits: { ...DEFAULT_LIMITS, ociRuntime: `codexec-no-runtime-${RUN_ID}` } }),
      );
      container.stdin.end();
      await finish(container);
      const { error } = await container.exited;
      expect(error?.code).toBe('OCI_RUNTIME_MISSING');
      expect(error?.message).toContain(`codexec-no-runtime-${RUN_ID}`);
      expect(error?.message).toContain('`limits.ociRuntime`');
    });

    it('pulling from a registry that refuses fails fast with PULL_FAILED', async () => {
      const progress: PullProgress[] = [];
      const started = Date.now();
      const error = await runtime
        .pullImage(`127.0.0.1:1/codexec-missing-${RUN_ID}:none`, {
          timeoutMs: 60_000,
          onProgress: (p) => progress.push(p),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ContainerRuntimeError);
      expect((error as ContainerRuntimeError).code).toBe('PULL_FAILED');
      expect((error as ContainerRuntimeError).message).toMatch(/set the `image`/);
      expect((error as ContainerRuntimeError).stderr).toMatch(/connection refused|127\.0\.0\.1:1/);
      expect(Date.now() - started).toBeLessThan(60_000);
      // podman reports "Trying to pull …" as it goes; every line the engine printed reached the callback.
      if (engine === 'podman') expect(progress.some((p) => p.message.includes('Trying to pull'))).toBe(true);
    });

    it('pulling from a registry that never answers ends at the timeout with PULL_FAILED', async () => {
      const registry = await hangingTcpServer();
      try {
        const error = await runtime
          .pullImage(`127.0.0.1:${registry.port}/codexec-missing-${RUN_ID}:none`, { timeoutMs: 3000 })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect((error as ContainerRuntimeError).code).toBe('PULL_FAILED');
        expect((error as ContainerRuntimeError).message).toMatch(/timed out after 3000 ms/);
      } finally {
        await registry.close();
      }
    });

    it('an aborted pull rejects with ABORTED', async () => {
      const registry = await hangingTcpServer();
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 500);
        await expect(
          runtime.pullImage(`127.0.0.1:${registry.port}/codexec-missing-${RUN_ID}:none`, {
            signal: controller.signal,
          }),
        ).rejects.toMatchObject({ code: 'ABORTED' });
      } finally {
        await registry.close();
      }
    });

    it('an engine that does not answer gives ENGINE_NOT_RESPONDING within the timeout', async () => {
      const socket = await hangingSocket();
      try {
        const hostVariable = engine === 'podman' ? 'CONTAINER_HOST' : 'DOCKER_HOST';
        const stuck = create({ env: { [hostVariable]: `unix://${socket.path}` } });
        const started = Date.now();
        await expect(stuck.info({ timeoutMs: 1500 })).rejects.toMatchObject({
          code: 'ENGINE_NOT_RESPONDING',
        });
        expect(Date.now() - started).toBeLessThan(15_000);
        await expect(stuck.list(LABELS, { timeoutMs: 1500 })).rejects.toMatchObject({
          code: 'ENGINE_NOT_RESPONDING',
        });
      } finally {
        await socket.close();
      }
    });

    it('an engine whose socket is gone gives ENGINE_NOT_RESPONDING with its message and advice', async () => {
      const hostVariable = engine === 'podman' ? 'CONTAINER_HOST' : 'DOCKER_HOST';
      const gone = create({ env: { [hostVariable]: `unix:///tmp/codexec-no-engine-${RUN_ID}.sock` } });
      const error = await gone.info().then(
        () => undefined,
        (e: unknown) => e as ContainerRuntimeError,
      );
      expect(error?.code).toBe('ENGINE_NOT_RESPONDING');
      expect(error?.stderr).toMatch(/codexec-no-engine/);
      expect(error?.message).toMatch(engine === 'podman' ? /podman/ : /Start|daemon/);
    });

    it('a missing binary gives RUNTIME_NOT_FOUND, for commands and for spawn', async () => {
      const absent = create({ command: `codexec-no-such-${engine}` });
      await expect(absent.info()).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
      await expect(absent.imageExists(TEST_IMAGE)).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
      const container = absent.spawn(spec());
      const exit = await container.exited;
      expect(exit.error?.code).toBe('RUNTIME_NOT_FOUND');
      await container.stop();
    });

    it('leaves no container of this test run behind', async () => {
      await delay(500);
      expect(await containersLabelled(engine, `${LABEL_INSTANCE}=${INSTANCE}`)).toEqual([]);
    });
  });
});
