import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type EngineCli, runEngineCommand } from '../src/adapters/engine-command.js';
import { pullImage } from '../src/adapters/pull.js';
import { spawnContainer } from '../src/adapters/spawn.js';
import { ContainerRuntimeError, DEFAULT_IMAGE, DEFAULT_LIMITS, silentLogger } from '../src/index.js';
import type { ContainerSpec } from '../src/runtime.js';

/**
 * The adapter's process handling, each part on its own, against a stand-in engine CLI (a shell script) instead of
 * podman or docker: exit codes, timeouts, a missing binary, pull output, and a container client that waits to be
 * removed. runtime.test.ts runs the same code against the real engines.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory with an executable `engine` script whose body is `script`; `$DIR` is the directory. */
function standIn(script: string): { cli: EngineCli; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'codexec-stand-in-'));
  dirs.push(dir);
  const command = join(dir, 'engine');
  writeFileSync(command, `#!/bin/sh\nDIR="${dir}"\n${script}\n`, { mode: 0o755 });
  return {
    dir,
    cli: {
      engine: 'podman',
      command,
      globalArgs: [],
      env: {},
      endpoint: { kind: 'local', source: 'default', remote: false },
      cwd: dir,
      platform: 'linux',
      logger: silentLogger,
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<ContainerRuntimeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContainerRuntimeError);
  return error as ContainerRuntimeError;
}

describe('runEngineCommand', () => {
  it('returns what a command printed and its exit code, a failing one too', async () => {
    const { cli } = standIn('echo "out $*"; echo "err" >&2; exit 3');
    expect(
      await runEngineCommand({ ...cli, globalArgs: ['--url', 'x'] }, ['ps'], { timeoutMs: 10_000 }),
    ).toEqual({
      exitCode: 3,
      stdout: 'out --url x ps',
      stderr: 'err',
    });
  });

  it('gives RUNTIME_NOT_FOUND for a binary that is not there', async () => {
    const { cli, dir } = standIn('exit 0');
    const error = await failure(
      runEngineCommand({ ...cli, command: join(dir, 'missing') }, ['info'], { timeoutMs: 10_000 }),
    );
    expect(error.code).toBe('RUNTIME_NOT_FOUND');
    expect(error.message).toMatch(/ENOENT/);
  });

  it('gives ENGINE_NOT_RESPONDING at the timeout, naming the subcommand', async () => {
    const { cli } = standIn('echo "waiting for the socket" >&2; exec sleep 30');
    const error = await failure(runEngineCommand(cli, ['info', '--format', 'json'], { timeoutMs: 300 }));
    expect(error.code).toBe('ENGINE_NOT_RESPONDING');
    expect(error.message).toMatch(/engine info\) did not answer within 0\.3 s/);
  });

  it('gives ABORTED when the signal fires, and before starting for a signal that has', async () => {
    const { cli } = standIn('exec sleep 30');
    const controller = new AbortController();
    const running = runEngineCommand(cli, ['info'], { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 100);
    expect((await failure(running)).code).toBe('ABORTED');
    const early = await failure(
      runEngineCommand(cli, ['info'], { timeoutMs: 10_000, signal: AbortSignal.abort('early') }),
    );
    expect(early.code).toBe('ABORTED');
    expect(early.cause).toBe('early');
  });
});

describe('pullImage', () => {
  it('reports each line, each carriage-return redraw too, and succeeds on exit 0', async () => {
    const { cli } = standIn(
      `printf 'Trying to pull %s...\\n' "$2"; printf '10%%\\r50%%\\r100%%\\n\\n' >&2; exit 0`,
    );
    const progress: string[] = [];
    await pullImage(cli, 'docker.io/library/x:1', {
      timeoutMs: 10_000,
      onProgress: ({ message }) => progress.push(message),
    });
    expect(progress.sort()).toEqual(['10%', '100%', '50%', 'Trying to pull docker.io/library/x:1...'].sort());
  });

  it('fails with PULL_FAILED and only the last lines of stderr, after a callback that threw', async () => {
    const { cli } = standIn(
      'i=0; while [ $i -lt 80 ]; do echo "noise $i" >&2; i=$((i+1)); done; echo "Error: manifest unknown" >&2; exit 125',
    );
    const error = await failure(
      pullImage(cli, 'docker.io/library/x:nope', {
        timeoutMs: 10_000,
        onProgress: () => {
          throw new Error('callback bug');
        },
      }),
    );
    expect(error.code).toBe('PULL_FAILED');
    expect(error.stderr).toMatch(/noise 79\nError: manifest unknown$/);
    expect(error.stderr).not.toMatch(/noise 0\n/);
    expect(error.message).toMatch(/Check the image name and tag/);
  });

  it('tells an engine that does not answer from a failed pull', async () => {
    const { cli } = standIn('echo "Error: unable to connect to Podman socket" >&2; exit 125');
    const error = await failure(pullImage(cli, 'docker.io/library/x:1', { timeoutMs: 10_000 }));
    expect(error.code).toBe('ENGINE_NOT_RESPONDING');
  });

  it('fails with PULL_FAILED at the timeout, and ABORTED when the signal fires', async () => {
    const { cli } = standIn('exec sleep 30');
    const timedOut = await failure(pullImage(cli, 'docker.io/library/x:1', { timeoutMs: 300 }));
    expect(timedOut.code).toBe('PULL_FAILED');
    expect(timedOut.message).toMatch(/timed out after 300 ms/);
    const controller = new AbortController();
    const pulling = pullImage(cli, 'docker.io/library/x:1', { timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await failure(pulling)).code).toBe('ABORTED');
  });
});

describe('spawnContainer', () => {
  const spec: ContainerSpec = {
    image: DEFAULT_IMAGE,
    name: 'codexec-stand-in',
    labels: {},
    command: ['python3', '-c', 'pass'],
    limits: DEFAULT_LIMITS,
  };

  /** A client that runs until `remove` (the stand-in's `rm -f`) creates `$DIR/removed`. */
  function waitingClient() {
    const { cli, dir } = standIn('while [ ! -f "$DIR/removed" ]; do sleep 0.05; done; echo bye; exit 137');
    const removed: string[] = [];
    const options = {
      passesDescriptors: false,
      runClientUnset: [],
      stopTimeoutMs: 10_000,
      remove: async (name: string) => {
        removed.push(name);
        writeFileSync(join(dir, 'removed'), '');
      },
    };
    return { cli, dir, removed, options };
  }

  it('runs the client with the hardened arguments and pipes its output', async () => {
    const { cli } = standIn('echo "$*"; echo "to stderr" >&2');
    const container = spawnContainer(cli, spec, {
      passesDescriptors: false,
      runClientUnset: [],
      stopTimeoutMs: 10_000,
      remove: async () => {},
    });
    container.stdin.end();
    const chunks: Buffer[] = [];
    for await (const chunk of container.stdout) chunks.push(chunk as Buffer);
    container.stderr.resume();
    const argv = Buffer.concat(chunks).toString();
    expect(argv).toMatch(/^run --interactive --rm --pull never .*--network none .* python3 -c pass\n$/);
    expect(await container.exited).toEqual({ code: 0, signal: null });
  });

  it('turns an engine failure on stderr into a typed exit error', async () => {
    const { cli } = standIn(`echo "Error: ${DEFAULT_IMAGE}: image not known" >&2; exit 125`);
    const container = spawnContainer(cli, spec, {
      passesDescriptors: false,
      runClientUnset: [],
      stopTimeoutMs: 10_000,
      remove: async () => {},
    });
    container.stdout.resume();
    container.stderr.resume();
    const exit = await container.exited;
    expect(exit.code).toBe(125);
    expect(exit.error?.code).toBe('IMAGE_MISSING');
  });

  it('stop() removes the container by name and waits for the client; every call shares one stop', async () => {
    const { cli, removed, options } = waitingClient();
    const container = spawnContainer(cli, spec, options);
    container.stdout.resume();
    await delay(100);
    await Promise.all([container.stop(), container.stop()]);
    expect(removed).toEqual(['codexec-stand-in']);
    expect((await container.exited).code).toBe(137);
    await container.stop();
    expect(removed).toEqual(['codexec-stand-in']);
  });

  it('stop() rejects with ABORTED when its own signal fires, and the stop goes on', async () => {
    const { cli, dir, options } = waitingClient();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const container = spawnContainer(cli, spec, {
      ...options,
      // An engine slow to remove the container.
      remove: async () => {
        await released;
        writeFileSync(join(dir, 'removed'), '');
      },
    });
    container.stdout.resume();
    const controller = new AbortController();
    const stopping = container.stop({ signal: controller.signal });
    controller.abort('impatient');
    const error = await failure(stopping);
    expect(error.code).toBe('ABORTED');
    expect(error.cause).toBe('impatient');
    expect((await failure(container.stop({ signal: AbortSignal.abort() }))).code).toBe('ABORTED');
    release();
    await container.stop();
    expect(existsSync(join(dir, 'removed'))).toBe(true);
  });

  it('the spawn signal stops the container; one that has fired stops it at once', async () => {
    const first = waitingClient();
    const controller = new AbortController();
    const container = spawnContainer(first.cli, spec, { ...first.options, signal: controller.signal });
    container.stdout.resume();
    await delay(100);
    controller.abort();
    expect((await container.exited).code).toBe(137);
    expect(first.removed).toEqual(['codexec-stand-in']);

    const second = waitingClient();
    const late = spawnContainer(second.cli, spec, { ...second.options, signal: AbortSignal.abort() });
    late.stdout.resume();
    await late.exited;
    expect(second.removed.length).toBeGreaterThan(0);
  });

  it('refuses a channel when the client cannot pass descriptors, before starting anything', () => {
    const { cli, removed, options } = waitingClient();
    expect(() => spawnContainer(cli, { ...spec, channel: true }, options)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', setting: 'spec.channel' }),
    );
    expect(removed).toEqual([]);
  });
});
