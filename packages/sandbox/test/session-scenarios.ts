import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSandbox, type RunResult, type Sandbox, type SandboxOptions } from '../src/index.js';
import { type EngineStatus, engineSuite, IMAGE } from './engines.js';

const exec = promisify(execFile);
const TEST_TIMEOUT = 240_000;

function expectSuccess(result: RunResult): void {
  expect(result.status, JSON.stringify(result.error)).toBe('success');
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Sessions against one real engine: state that persists, isolation, order, loss and recovery, expiry, the cap. */
export function defineSessionSuite(engine: 'podman' | 'docker', status: EngineStatus): void {
  const title = `sessions on ${engine}`;
  const { runtime } = status;
  const made: Sandbox[] = [];
  const sandboxFor = (options: Partial<SandboxOptions> = {}): Sandbox => {
    const sandbox = createSandbox({
      runtime,
      image: IMAGE,
      instanceId: `test-session-${engine}-${process.pid}-${made.length}`,
      ...options,
    });
    made.push(sandbox);
    return sandbox;
  };
  const containersOf = async (sandbox: Sandbox): Promise<string[]> =>
    (await runtime.list(sandbox.labels)).map((c) => c.name);

  engineSuite(title, status, () => {
    let sandbox: Sandbox;
    beforeAll(() => {
      sandbox = sandboxFor({ pool: { size: 1 } });
    });

    afterAll(async () => {
      for (const box of made) {
        await box.close();
        // Closing the sandbox closes its sessions and removes every container they held.
        expect(await containersOf(box)).toEqual([]);
      }
    });

    it('x = 42 in one run, print(x) in the next; imports, functions and files persist', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession({ name: 'basics' });
      const first = await session.run({
        code: [
          'import json',
          'x = 42',
          'def double(n):',
          '    return 2 * n',
          'open("/workspace/notes.txt", "w").write("kept")',
          'open("/tmp/scratch", "w").write("also kept")',
        ].join('\n'),
      });
      expectSuccess(first);
      expect(first.session).toMatchObject({ id: session.id, run: 1, state: 'new' });
      expect(first.session?.reason).toBeUndefined();

      const second = await session.run({
        code: 'print(x, double(x), json.dumps({"a": 1}))\nopen("/workspace/notes.txt").read() + open("/tmp/scratch").read()',
      });
      expectSuccess(second);
      expect(second.stdout).toBe('42 84 {"a": 1}\n');
      expect(second.value?.json).toBe('keptalso kept');
      expect(second.session).toEqual({ id: session.id, run: 2, state: 'kept' });

      const info = session.info();
      expect(info).toMatchObject({ id: session.id, name: 'basics', runs: 2, busy: false, closed: false });
      expect(info.container).toMatch(/^codexec-/);
      expect(await containersOf(sandbox)).toContain(info.container);
      await session.close();
      expect(session.info().closed).toBe(true);
      await expect(session.run({ code: '1' })).rejects.toMatchObject({ code: 'CLOSED' });
      await until(
        'the session container to be removed',
        async () => !(await containersOf(sandbox)).includes(info.container!),
      );
    });

    it('two sessions never see each other’s variables or files, and run side by side', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const a = sandbox.openSession();
      const b = sandbox.openSession();
      expectSuccess(await a.run({ code: 'who = "a"\nopen("/workspace/who", "w").write("a")' }));
      expectSuccess(await b.run({ code: 'import os\nos.path.exists("/workspace/who")' }));
      const seen = await b.run({ code: '"who" in globals()' });
      expect(seen.value?.json).toBe(false);
      expect((await b.run({ code: 'import os\nos.path.exists("/workspace/who")' })).value?.json).toBe(false);

      // Both sleep at once: their intervals overlap when runs of different sessions really run in parallel.
      const code = 'import time\nstart = time.time()\ntime.sleep(1.5)\n[start, time.time()]';
      const [ra, rb] = await Promise.all([a.run({ code }), b.run({ code })]);
      expectSuccess(ra);
      expectSuccess(rb);
      const [a0, a1] = (ra.value?.json ?? []) as [number, number];
      const [b0, b1] = (rb.value?.json ?? []) as [number, number];
      expect(Math.max(a0, b0)).toBeLessThan(Math.min(a1, b1));
      expect(a.info().container).not.toBe(b.info().container);
      await Promise.all([a.close(), b.close()]);
    });

    it('runs queued in one session keep their order and their outputs apart', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'order = []' }));
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          session.run({
            code: `import time\nprint("start ${i}")\ntime.sleep(0.05)\norder.append(${i})\nprint("end ${i}")`,
          }),
        ),
      );
      results.forEach((result, i) => {
        expectSuccess(result);
        expect(result.stdout).toBe(`start ${i}\nend ${i}\n`);
        expect(result.session?.run).toBe(i + 2);
      });
      expect((await session.run({ code: 'order' })).value?.json).toEqual([0, 1, 2, 3, 4, 5]);
      await session.close();
    });

    it('a waiting run can be cancelled; its wait is not part of its timeout', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'runs = 0' }));
      const busy = session.run({ code: 'import time\ntime.sleep(2)\nruns += 1' });
      const abort = new AbortController();
      const cancelled = session.run({ code: 'runs += 100', signal: abort.signal });
      // Waits about 2 s for its turn, with a 1.5 s timeout of its own: the wait does not count.
      const patient = session.run({ code: 'runs += 1\nruns', timeoutMs: 1500 });
      setTimeout(() => abort.abort(), 300);
      const [first, second, third] = await Promise.all([busy, cancelled, patient]);
      expectSuccess(first);
      expect(second.status).toBe('cancelled');
      expect(second.error?.message).toMatch(/waited for the session's previous run/);
      expectSuccess(third);
      expect(third.value?.json).toBe(2);
      await session.close();
    });

    it('reset starts afresh and says why', { timeout: TEST_TIMEOUT }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'x = 1\nopen("/workspace/f", "w").write("x")' }));
      const before = session.info().container;
      await session.reset();
      const after = await session.run({
        code: 'import os\n["x" in globals(), os.path.exists("/workspace/f")]',
      });
      expectSuccess(after);
      expect(after.value?.json).toEqual([false, false]);
      expect(after.session).toMatchObject({ run: 2, state: 'new', reason: 'a reset was asked for' });
      expect(session.info().container).not.toBe(before);
      await session.close();
    });

    it('a timeout interrupts the code and keeps the state when the code stops', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'kept = "yes"' }));
      const timedOut = await session.run({
        code: 'import time\nprint("sleeping", flush=True)\nwhile True:\n    time.sleep(0.1)',
        timeoutMs: 1500,
      });
      expect(timedOut.status).toBe('timeout');
      expect(timedOut.error?.message).toMatch(/interrupted; the session's state is kept/);
      expect(timedOut.error?.traceback).toMatch(/KeyboardInterrupt/);
      expect(timedOut.stdout).toBe('sleeping\n');
      expect(timedOut.session?.lost).toBeUndefined();
      const next = await session.run({ code: 'kept' });
      expect(next.value?.json).toBe('yes');
      expect(next.session?.state).toBe('kept');

      const abort = new AbortController();
      setTimeout(() => abort.abort(), 800);
      const cancelled = await session.run({ code: 'import time\ntime.sleep(60)', signal: abort.signal });
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.session?.lost).toBeUndefined();
      expect((await session.run({ code: 'kept' })).value?.json).toBe('yes');
      await session.close();
    });

    it('code that ignores the interrupt loses the state; the next run says so and works', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'kept = "yes"' }));
      const container = session.info().container!;
      const stubborn = await session.run({
        code: 'import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass',
        timeoutMs: 1000,
      });
      expect(stubborn.status).toBe('timeout');
      expect(stubborn.session?.lost).toMatch(/variables, imports and files are gone.*did not stop/);
      expect(await containersOf(sandbox)).not.toContain(container);
      const next = await session.run({ code: '"kept" in globals()' });
      expectSuccess(next);
      expect(next.value?.json).toBe(false);
      expect(next.session).toMatchObject({
        state: 'new',
        reason: expect.stringMatching(/timed out and did not stop/),
      });
      await session.close();
    });

    it('a fork bomb ends at its timeout without a trace: its processes are killed, or its container removed', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'kept = "yes"' }));
      const bomb = await session.run({
        code: 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
        timeoutMs: 3000,
      });
      expect(bomb.status).toBe('timeout');
      // Only the runtime is left, whether the interrupt stopped the bomb in time or the container was replaced.
      const after = await session.run({
        code: 'import os\n[globals().get("kept"), sorted(int(p) for p in os.listdir("/proc") if p.isdigit())]',
      });
      expectSuccess(after);
      expect(after.value?.json).toEqual([bomb.session?.lost ? null : 'yes', [1]]);
      expect(after.session?.state).toBe(bomb.session?.lost ? 'new' : 'kept');
      await session.close();
    });

    it('os._exit loses the state and the next run works', { timeout: TEST_TIMEOUT }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'kept = 1' }));
      const died = await session.run({ code: 'import os\nos._exit(3)' });
      expect(died.status).toBe('error');
      expect(died.error?.type).toBe('SandboxError');
      expect(died.session?.lost).toMatch(/gone/);
      const next = await session.run({ code: 'print("alive")' });
      expectSuccess(next);
      expect(next.session).toMatchObject({ state: 'new', reason: expect.stringMatching(/exited/) });
      await session.close();
    });

    it('an engine client killed between runs: the next run, at once, starts afresh and the old container goes', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const session = sandbox.openSession();
      expectSuccess(await session.run({ code: 'kept = 1' }));
      const old = session.info().container!;
      const { stdout } = await exec('pgrep', ['-f', '--', `--name ${old}`]);
      const pids = stdout.split('\n').filter(Boolean).map(Number);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      // At once, before the client's exit reaches the event loop: the container must not be reused.
      const next = await session.run({ code: '"kept" in globals()' });
      expectSuccess(next);
      expect(next.value?.json).toBe(false);
      expect(next.session).toMatchObject({
        state: 'new',
        reason: expect.stringMatching(/exited between runs/),
      });
      expect(session.info().container).not.toBe(old);
      await until(
        'the old container to be removed',
        async () => !(await containersOf(sandbox)).includes(old),
      );
      await session.close();
    });

    it('running out of memory loses the state with a memory error; the next run works', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const small = sandboxFor({ limits: { memory: '256m' } });
      const session = small.openSession();
      expectSuccess(await session.run({ code: 'kept = 1' }));
      const oom = await session.run({ code: 'x = b"x" * (1024 ** 3)\nprint(len(x))', timeoutMs: 120_000 });
      expect(oom.status).toBe('error');
      expect(oom.error?.type).toBe('MemoryError');
      if (!oom.error?.traceback) {
        // The out-of-memory killer took the container: the state is gone.
        expect(oom.session?.lost).toMatch(/memory limit/);
        const next = await session.run({ code: '"kept" in globals()' });
        expect(next.value?.json).toBe(false);
        expect(next.session).toMatchObject({ state: 'new', reason: expect.stringMatching(/memory limit/) });
      } else {
        // Python raised MemoryError itself: the interpreter lives on with its state.
        expect((await session.run({ code: 'kept' })).value?.json).toBe(1);
      }
      await session.close();
    });

    it('an idle session gives its container up and the next run says so', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const quick = sandboxFor({ sessions: { idleTimeoutMs: 1500 } });
      const session = quick.openSession();
      expectSuccess(await session.run({ code: 'kept = 1' }));
      const container = session.info().container!;
      await until(
        'the idle container to be removed',
        async () => !(await containersOf(quick)).includes(container),
      );
      expect(session.info().container).toBeUndefined();
      const next = await session.run({ code: '"kept" in globals()' });
      expect(next.value?.json).toBe(false);
      expect(next.session).toMatchObject({
        run: 2,
        state: 'new',
        reason: expect.stringMatching(/idle for more than 1.5 s/),
      });
      await session.close();
    });

    it('past the cap the least recently used idle session gives its container up; busy ones are waited for', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const capped = sandboxFor({ sessions: { max: 2 } });
      const [a, b, c] = [capped.openSession(), capped.openSession(), capped.openSession()];
      expectSuccess(await a.run({ code: 'v = "a"' }));
      expectSuccess(await b.run({ code: 'v = "b"' }));
      expectSuccess(await c.run({ code: 'v = "c"' }));
      expect(capped.sessionStatus()).toEqual({ open: 3, live: 2 });
      expect(a.info().container).toBeUndefined();
      expect((await b.run({ code: 'v' })).value?.json).toBe('b');
      const again = await a.run({ code: '"v" in globals()' });
      expect(again.value?.json).toBe(false);
      expect(again.session?.reason).toMatch(/make room for another \(at most 2 sessions/);
      // Now a and b hold the two places; c (least recently used) gave its container up.
      expect(c.info().container).toBeUndefined();

      // Both places busy: a run of c waits; with too short a timeout it fails clearly, else it gets a place.
      const busyA = a.run({ code: 'import time\ntime.sleep(3)' });
      const busyB = b.run({ code: 'import time\ntime.sleep(3)' });
      await until('both runs to start', async () => a.info().busy && b.info().busy);
      const impatient = await c.run({ code: '1', timeoutMs: 1000 });
      expect(impatient.status).toBe('error');
      expect(impatient.error?.message).toMatch(/Every one of the 2 sessions.*sessions\.max/);
      const patient = await c.run({ code: 'print("got a place")', timeoutMs: 60_000 });
      expectSuccess(patient);
      expectSuccess(await busyA);
      expectSuccess(await busyB);
      await Promise.all([a.close(), b.close(), c.close()]);
      expect(capped.sessionStatus()).toEqual({ open: 0, live: 0 });
    });

    it('closing the sandbox cancels session runs and removes their containers', {
      timeout: TEST_TIMEOUT,
    }, async () => {
      const closing = sandboxFor({ pool: { size: 1 } });
      const session = closing.openSession();
      expectSuccess(await session.run({ code: 'x = 1' }));
      const running = session.run({ code: 'import time\ntime.sleep(60)' });
      await until('the run to start', async () => session.info().busy);
      await closing.close();
      expect((await running).status).toBe('cancelled');
      expect(await containersOf(closing)).toEqual([]);
      expect(() => closing.openSession()).toThrow(/closed/);
    });
  });
}
