import type { ServerMeta } from '@codexec/frame-protocol';
import { REMOTE_DOCKER_HOST, REMOTE_PODMAN_URL } from '@codexec/test-support';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSandbox, type RunResult, type Sandbox, type ToolHost } from '../src/index.js';
import { type EngineStatus, engineSuite, IMAGE, runContainers, settledRunContainers } from './engines.js';

const MIB = 1024 * 1024;
/** `resource.RLIM_INFINITY` as Python reports it (-1). */
const RLIM_INFINITY = -1;
const TEST_TIMEOUT = 180_000;

const SERVERS: ServerMeta[] = [
  {
    name: 'test-tools',
    description: 'Tools of the test tool host',
    tools: [
      {
        name: 'echo',
        description: 'Echo the message back',
        inputSchema: {
          type: 'object',
          properties: { message: { type: 'string' } },
          required: ['message'],
        },
      },
      {
        name: 'slow',
        description: 'Answers after delayMs',
        inputSchema: {
          type: 'object',
          properties: { i: { type: 'integer' }, delayMs: { type: 'integer' } },
          required: ['i'],
        },
      },
      { name: 'fail', description: 'Reports an error as a tool result' },
    ],
  },
];

/** A tool host of plain callbacks, with counters the tests read. */
function testToolHost() {
  const state = { inFlight: 0, maxInFlight: 0, aborted: 0 };
  const toolHost: ToolHost = {
    async callTool(_server, tool, args, { signal }) {
      if (tool === 'echo') return { content: [{ type: 'text', text: String(args.message) }] };
      if (tool === 'fail')
        return { content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true };
      if (tool === 'slow') {
        state.inFlight += 1;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        try {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, Number(args.delayMs ?? 300));
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              state.aborted += 1;
              reject(signal.reason);
            });
          });
        } finally {
          state.inFlight -= 1;
        }
        return { content: [{ type: 'text', text: JSON.stringify({ i: args.i }) }] };
      }
      throw Object.assign(new Error(`no tool ${tool}`), { code: 'UNKNOWN_TOOL' });
    },
    async listServers() {
      return [{ name: 'test-tools', description: 'Tools of the test tool host' }, { name: 'elsewhere' }];
    },
  };
  return { toolHost, state };
}

/** The stdout text without the truncation marker line (whose words contain letters the tests count). */
function withoutMarker(text: string): string {
  return text.replace(/\n… \[\w+ truncated in the sandbox: [\d,]+ bytes omitted\] …\n/, '');
}

function expectSuccess(result: RunResult): void {
  expect(result.status, JSON.stringify(result.error)).toBe('success');
}

/** Every scenario of the sandbox against one real engine. */
export interface SuiteVariant {
  /** Frames over a socket passed into the container (`SandboxOptions.directChannel`). */
  directChannel?: boolean;
  /** The engine is rootless podman (see `rootlessPodmanStatus`). */
  rootless?: boolean;
  /**
   * The engine is remote (see `remoteEngineStatus`): the sandbox asks for the direct channel, which must be off
   * there by itself, every run going over the engine's stdio.
   */
  remote?: boolean;
  /**
   * Where the remote engine answers, as `info().address` says it. @default the remote podman or docker of
   * scripts/provision-engines.sh
   */
  address?: string;
}

export function defineSandboxSuite(
  engine: 'podman' | 'docker' | 'kubernetes',
  status: EngineStatus,
  variant: SuiteVariant = {},
): void {
  const kind = variant.rootless ? 'rootless ' : variant.remote ? 'remote ' : '';
  const title = `sandbox on ${kind}${engine}${variant.directChannel ? ' with the direct channel' : ''}`;
  const { runtime } = status;
  const tag = `${kind.trim() ? `${kind.trim()}-` : ''}${engine}${variant.directChannel ? '-direct' : ''}`;
  const directChannel = variant.directChannel === true || variant.remote === true;

  engineSuite(title, status, () => {
    // With the warm pool on, as the bridge runs it: every scenario below runs on a pooled container.
    let sandbox: Sandbox;
    beforeAll(() => {
      sandbox = createSandbox({
        runtime,
        image: IMAGE,
        instanceId: `test-${tag}-${process.pid}`,
        pool: { size: 2 },
        directChannel,
      });
    });

    if (variant.directChannel) {
      it('really takes the direct channel (the engine passes descriptors)', () => {
        expect(runtime.passesDescriptors).toBe(true);
      });
    }
    if (variant.remote) {
      it('goes through the remote engine, where the direct channel is off by itself', async () => {
        expect(runtime.endpoint.remote).toBe(true);
        expect(runtime.passesDescriptors).toBe(false);
        const info = await runtime.info();
        expect(info.remote).toBe(true);
        expect(info.address).toBe(
          variant.address ?? (engine === 'podman' ? REMOTE_PODMAN_URL : REMOTE_DOCKER_HOST),
        );
        const result = await sandbox.run({ code: "print('over the remote engine')" });
        expectSuccess(result);
        expect(result.stdout).toBe('over the remote engine\n');
      });
    }

    afterEach(async () => {
      // Whatever a scenario did, no container of a run may be left behind (the pool's own are expected).
      expect(await settledRunContainers(runtime, sandbox)).toEqual([]);
    });
    afterAll(async () => {
      await sandbox.close();
      const left = await runtime.list(sandbox.labels);
      await runtime.reap(sandbox.labels);
      // close() removes the pool's containers too.
      expect(left).toEqual([]);
    });

    it('hello world', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({ code: "print('hello world')" });
      expectSuccess(result);
      expect(result.stdout).toBe('hello world\n');
      expect(result.stderr).toBe('');
      expect(result.value).toBeUndefined();
      expect(result.calls).toBe(0);
      expect(result.durationMs).toBeGreaterThan(0);
      expect(result.truncated).toEqual({ stdout: false, stderr: false, stdoutBytes: 0, stderrBytes: 0 });
    });

    it('top-level await and the last expression value', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({
        code: 'import asyncio\nawait asyncio.sleep(0.05)\nx = [1, 2, 3]\n{"sum": sum(x), "ok": True}',
      });
      expectSuccess(result);
      expect(result.value).toEqual({ repr: "{'sum': 6, 'ok': True}", json: { sum: 6, ok: true } });
    });

    it('errors come back with type, message and a clean traceback', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({ code: "print('before')\n1 / 0" });
      expect(result.status).toBe('error');
      expect(result.stdout).toBe('before\n');
      expect(result.error?.type).toBe('ZeroDivisionError');
      expect(result.error?.traceback).toContain('File "<code>", line 2');
      expect(result.error?.traceback).not.toContain('codexec');
    });

    it('a tool round trip through a tool host of plain callbacks', { timeout: TEST_TIMEOUT }, async () => {
      const { toolHost } = testToolHost();
      const result = await sandbox.run({
        code: [
          "a = await mcp_test_tools.echo(message='via proxy')",
          'from mcp.servers.test_tools import echo',
          "b = await echo('via import')",
          'from mcp import runtime',
          'try:',
          '    await mcp_test_tools.fail()',
          'except McpToolError as e:',
          '    c = str(e)',
          '[a, b, c, await runtime.list_servers(), runtime.discovered_servers()]',
        ].join('\n'),
        servers: SERVERS,
        toolHost,
      });
      expectSuccess(result);
      expect(result.value?.json).toEqual([
        'via proxy',
        'via import',
        'the tool failed on purpose',
        ['test-tools', 'elsewhere'],
        ['test-tools'],
      ]);
      expect(result.calls).toBe(3);
    });

    it('200 concurrent calls run in parallel', { timeout: TEST_TIMEOUT }, async () => {
      const { toolHost, state } = testToolHost();
      const result = await sandbox.run({
        code: [
          'import asyncio',
          'rs = await asyncio.gather(*(mcp_test_tools.slow(i=i, delayMs=300) for i in range(200)))',
          '[r["i"] for r in rs] == list(range(200))',
        ].join('\n'),
        servers: SERVERS,
        toolHost,
        timeoutMs: 120_000,
      });
      expectSuccess(result);
      expect(result.value?.json).toBe(true);
      expect(result.calls).toBe(200);
      // Serially one call would be in flight at a time and the run would take 60 s.
      expect(state.maxInFlight).toBeGreaterThanOrEqual(150);
      expect(result.durationMs).toBeLessThan(30_000);
    });

    it("print('x' * 5_000_000) comes back truncated with the marker", { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({ code: "print('x' * 5_000_000)\nprint('the end')" });
      expectSuccess(result);
      expect(result.truncated.stdout).toBe(true);
      expect(result.truncated.stderr).toBe(false);
      expect(Buffer.byteLength(result.stdout)).toBeLessThan(4 * MIB + 200);
      expect(result.stdout.startsWith('xxxx')).toBe(true);
      expect(result.stdout.endsWith('xxx\nthe end\n')).toBe(true);
      expect(result.stdout).toContain('bytes omitted');
      const kept = (withoutMarker(result.stdout).match(/x/g) ?? []).length;
      expect(result.truncated.stdoutBytes).toBe(5_000_000 - kept);
      const after = await sandbox.run({ code: "print('still healthy')" });
      expect(after.stdout).toBe('still healthy\n');
    });

    it('a single 20 MiB line, printed and through a tool call', { timeout: TEST_TIMEOUT }, async () => {
      const { toolHost } = testToolHost();
      const result = await sandbox.run({
        code: [
          `print('y' * ${20 * MIB})`,
          `r = await mcp_test_tools.echo(message='z' * ${20 * MIB})`,
          "len(r), r.count('z')",
        ].join('\n'),
        servers: SERVERS,
        toolHost,
        timeoutMs: 120_000,
      });
      expectSuccess(result);
      expect(result.value?.json).toEqual([20 * MIB, 20 * MIB]);
      expect(result.truncated.stdout).toBe(true);
      expect(result.truncated.stdoutBytes + (withoutMarker(result.stdout).match(/y/g) ?? []).length).toBe(
        20 * MIB,
      );
    });

    it("os.system('echo hi') is captured", { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({
        code: "import os, subprocess\nos.system('echo hi')\nos.system('echo oops >&2')\nsubprocess.run(['echo', 'child'])",
      });
      expectSuccess(result);
      expect(result.stdout).toBe('hi\nchild\n');
      expect(result.stderr).toBe('oops\n');
    });

    it('garbage written to the frame channel is a protocol error, not a crash', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const result = await sandbox.run({
        code: [
          'import os',
          'for fd in range(3, 10):',
          '    try:',
          "        os.write(fd, b'this is not a frame\\n')",
          '    except OSError:',
          '        pass',
          'import time',
          'time.sleep(5)',
        ].join('\n'),
      });
      expect(result.status).toBe('error');
      expect(result.error?.type).toBe('ProtocolError');
      expect(result.error?.message).toContain('INVALID_JSON');
      expect((await sandbox.run({ code: '1' })).value?.json).toBe(1);
    });

    it('while True: pass with a 2 s timeout ends as timeout and leaves nothing', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const result = await sandbox.run({ code: "print('spinning')\nwhile True:\n    pass", timeoutMs: 2000 });
      expect(result.status).toBe('timeout');
      expect(result.stdout).toBe('spinning\n');
      expect(result.error?.type).toBe('TimeoutError');
      // Removed before the result is returned: the code was still running.
      expect(await runContainers(runtime, sandbox)).toEqual([]);
    });

    it('aborting the signal mid-run ends as cancelled and leaves nothing', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const { toolHost, state } = testToolHost();
      const controller = new AbortController();
      const running = sandbox.run({
        code: "print('started', flush=True)\nawait mcp_test_tools.slow(i=1, delayMs=60000)",
        servers: SERVERS,
        toolHost,
        signal: controller.signal,
        onOutput: (chunk) => {
          if (chunk.data.includes('started')) setTimeout(() => controller.abort(), 500);
        },
        timeoutMs: 120_000,
      });
      const result = await running;
      expect(result.status).toBe('cancelled');
      expect(result.stdout).toBe('started\n');
      expect(state.aborted).toBe(1);
      expect(await runContainers(runtime, sandbox)).toEqual([]);
    });

    it('a fork bomb is contained', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({
        code: 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
        timeoutMs: 5000,
      });
      expect(['timeout', 'error']).toContain(result.status);
      expect(await settledRunContainers(runtime, sandbox)).toEqual([]);
      expect((await sandbox.run({ code: "'alive'" })).value?.json).toBe('alive');
    });

    it('the limits hold, and the runtime says how', { timeout: TEST_TIMEOUT }, async () => {
      const info = await runtime.info();
      // An unprivileged engine on cgroups v1 cannot apply cgroup limits: the runtime's rlimits stand in.
      const expected = info.rootless && info.cgroupVersion === '1' ? 'rlimit' : 'cgroup';
      const report = await sandbox.probeLimits();
      expect(report?.memory).toMatchObject({ requested: 512 * MIB, enforcedBy: expected });
      expect(report?.pids?.requested).toBe(128);
      expect(report?.fileSize).toEqual({ requested: 64 * MIB, enforcedBy: 'rlimit', effective: 64 * MIB });
      expect(sandbox.limits()).toEqual(report);
      // Inside, the code sees the same limits.
      const result = await sandbox.run({
        code: [
          'import resource',
          '[resource.getrlimit(resource.RLIMIT_FSIZE)[0], resource.getrlimit(resource.RLIMIT_DATA)[0]]',
        ].join('\n'),
      });
      expectSuccess(result);
      const [fileSize, data] = (result.value?.json ?? []) as number[];
      expect(fileSize).toBe(64 * MIB);
      if (expected === 'rlimit') expect(data).toBe(report?.memory?.effective);
      else expect(data).toBe(RLIM_INFINITY);
    });

    // A pod spec has no process limit (UNENFORCED_POD_LIMITS): each node sets one for all its pods (the kubelet's
    // podPidsLimit), or none, and then the runtime's RLIMIT_NPROC, which the kernel counts for every pod of the node
    // under the same uid, is all there is. Whatever the stand-in's node does would pass or fail these two for
    // reasons of its own, not of the sandbox or the adapter: they are not run on Kubernetes.
    it.skipIf(engine === 'kubernetes')(
      "the process limit is the cgroup's unless the engine cannot set one",
      {
        timeout: TEST_TIMEOUT,
      },
      async () => {
        const info = await runtime.info();
        const expected = info.rootless && info.cgroupVersion === '1' ? 'rlimit' : 'cgroup';
        const report = await sandbox.probeLimits();
        expect(report?.pids).toMatchObject({ requested: 128, enforcedBy: expected });
      },
    );

    it.skipIf(engine === 'kubernetes')(
      'the process limit holds: the code cannot start more than 128 processes',
      {
        timeout: TEST_TIMEOUT,
      },
      async () => {
        const result = await sandbox.run({
          code: [
            'import os, time',
            'children = []',
            'try:',
            '    for _ in range(400):',
            '        pid = os.fork()',
            '        if pid == 0:',
            '            time.sleep(60)',
            '            os._exit(0)',
            '        children.append(pid)',
            'except OSError:',
            '    pass',
            'for pid in children:',
            '    os.kill(pid, 9)',
            '    os.waitpid(pid, 0)',
            'len(children)',
          ].join('\n'),
        });
        expectSuccess(result);
        // The runtime's own threads count too (and, with the rlimit, other containers of the same user).
        const started = result.value?.json as number;
        expect(started).toBeLessThan(128);
        expect(started).toBeGreaterThan(32);
      },
    );

    it('allocating 2 GiB is reported as a memory error', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({
        code: "print('allocating', flush=True)\nx = b'x' * (2 * 1024 ** 3)\nlen(x)",
      });
      expect(result.status).toBe('error');
      expect(result.error?.type).toBe('MemoryError');
      // The out-of-memory killer (cgroups) or the data rlimit that stands in for it: the message names the limit.
      expect(result.error?.message).toMatch(/memory limit of 512m/);
      // A flushed print arrives even when the process is killed right after it.
      expect(result.stdout).toBe('allocating\n');
    });

    it('384 MiB of a 512m limit is there for the code', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({ code: 'x = bytearray(384 * 1024 ** 2)\nlen(x)' });
      expectSuccess(result);
      expect(result.value?.json).toBe(384 * MIB);
    });

    it('isolation: no network, read-only root, no host env, uid 65534', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      process.env.CODEXEC_TEST_SECRET = 'must-not-leak';
      try {
        const result = await sandbox.run({
          code: [
            'import os, socket',
            'out = {}',
            'try:',
            "    socket.create_connection(('1.1.1.1', 80), timeout=3)",
            "    out['socket'] = 'connected'",
            'except OSError as e:',
            "    out['socket'] = type(e).__name__",
            'try:',
            "    open('/escape.txt', 'w').write('x')",
            "    out['root'] = 'written'",
            'except OSError as e:',
            "    out['root'] = e.errno",
            "open('/tmp/ok.txt', 'w').write('ok')",
            "out['tmp'] = open('/tmp/ok.txt').read()",
            "out['secret'] = os.environ.get('CODEXEC_TEST_SECRET')",
            "out['leaked'] = [k for k in os.environ if 'CODEXEC_TEST' in k or k == 'PATH' and 'node_modules' in os.environ[k]]",
            "out['ids'] = [os.getuid(), os.getgid(), os.geteuid()]",
            "out['cwd'] = os.getcwd()",
            'out',
          ].join('\n'),
        });
        expectSuccess(result);
        const out = result.value?.json as Record<string, unknown>;
        expect(out.socket).not.toBe('connected');
        expect(out.root).not.toBe('written');
        expect([13, 30]).toContain(out.root); // EACCES or EROFS
        expect(out.tmp).toBe('ok');
        expect(out.secret).toBeNull();
        expect(out.leaked).toEqual([]);
        expect(out.ids).toEqual([65534, 65534, 65534]);
        expect(out.cwd).toBe('/workspace');
      } finally {
        delete process.env.CODEXEC_TEST_SECRET;
      }
    });

    it('8 concurrent runs each see only their own output', { timeout: TEST_TIMEOUT }, async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          sandbox.run({
            code: `import os, time\nfor n in range(20):\n    print('run-${i}', n)\n    time.sleep(0.01)\nos.system('echo shell-${i}')\n${i}`,
            timeoutMs: 120_000,
          }),
        ),
      );
      results.forEach((result, i) => {
        expectSuccess(result);
        expect(result.value?.json).toBe(i);
        const lines = result.stdout.trim().split('\n');
        expect(lines).toHaveLength(21);
        for (const line of lines) expect(line.startsWith(`run-${i} `) || line === `shell-${i}`).toBe(true);
      });
    });

    it('close() cancels runs in progress and removes their containers', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const own = createSandbox({
        runtime,
        image: IMAGE,
        instanceId: `test-close-${tag}-${process.pid}`,
        directChannel,
      });
      const running = own.run({ code: 'import time\ntime.sleep(60)', timeoutMs: 120_000 });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await own.close();
      const result = await running;
      expect(result.status).toBe('cancelled');
      expect(await runtime.list(own.labels)).toEqual([]);
      await expect(own.run({ code: '1' })).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('a container that dies mid-run is an error, not a crash', { timeout: TEST_TIMEOUT }, async () => {
      const result = await sandbox.run({
        code: "print('going', flush=True)\nimport os, time\ntime.sleep(0.5)\nos._exit(3)",
      });
      expect(result.status).toBe('error');
      expect(result.error?.type).toBe('SandboxError');
      expect(result.error?.message).toMatch(/exited with code 3/);
    });

    // `echo` stands in for a broken runtime: its first line is not a hello frame. It exits at once without reading
    // its stdin, and podman 4.3 under load sometimes loses all the output of a container that ends while the engine
    // is still copying stdin into it (here 1 run in 30, three at a time with the runtime's source on stdin; in CI
    // three runs in a row). The sandbox then rightly reports an exit before the runtime started. A real runtime reads
    // its stdin first and never ends that early, so such an attempt says nothing about the sandbox: it is tried
    // again, a few seconds apart, and every attempt whose line arrived must be a protocol error.
    // On Kubernetes the line cannot arrive by design: an attach joins only a running pod, `echo` has ended before
    // the pod is first seen running, and the adapter reads no logs. The sandbox rightly says the container exited
    // before its runtime started; the scenario is not run there.
    it.skipIf(engine === 'kubernetes')(
      'a runtime that does not say hello is a protocol error',
      {
        timeout: TEST_TIMEOUT,
      },
      async () => {
        const own = createSandbox({
          runtime,
          image: IMAGE,
          python: 'echo',
          instanceId: `test-hello-${tag}`,
          directChannel,
        });
        const lost: string[] = [];
        for (let attempt = 0; attempt < 8; attempt++) {
          const result = await own.run({ code: '1' });
          expect(result.status).toBe('error');
          const message = result.error?.message ?? '';
          if (
            result.error?.type === 'SandboxError' &&
            /exited with code 0 before its runtime started/.test(message)
          ) {
            lost.push(message);
            await new Promise((resolve) => setTimeout(resolve, 2000));
            continue;
          }
          expect(result.error?.type, message).toBe('ProtocolError');
          expect(message).toMatch(/hello/);
          expect(await runtime.list(own.labels)).toEqual([]);
          await own.close();
          return;
        }
        await own.close();
        expect.fail(`the engine lost the output of all ${lost.length} attempts: ${lost[0]}`);
      },
    );

    it('a missing image is a clear error', { timeout: TEST_TIMEOUT }, async () => {
      const own = createSandbox({
        runtime,
        image: 'localhost/codexec-no-such-image:0',
        instanceId: `test-img-${tag}`,
        directChannel,
      });
      const result = await own.run({ code: '1' });
      expect(result.status).toBe('error');
      expect(result.error?.type).toBe('SandboxError');
      expect(result.error?.message).toMatch(/codexec-no-such-image/);
      expect(await runtime.list(own.labels)).toEqual([]);
      await own.close();
    });
  });
}
