import { type ContainerRuntime, ContainerRuntimeError, type ContainerSpec } from '@codexec/container-runtime';
import { afterEach, expect, it } from 'vitest';
import {
  createSandbox,
  type Logger,
  type RunResult,
  type Sandbox,
  type SandboxOptions,
} from '../src/index.js';
import { engineStatus, engineSuite, IMAGE, settledRunContainers } from './engines.js';

const TEST_TIMEOUT = 240_000;
const status = await engineStatus('podman');
const { runtime } = status;

interface Line {
  level: string;
  message: string;
}

function recordingLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (message: string): void => {
      lines.push({ level, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The runtime, with each spawn's channel recorded and `change` applied to the specs that ask for one. */
function tampered(change?: (spec: ContainerSpec) => ContainerSpec | never): ContainerRuntime & {
  channels: boolean[];
} {
  const channels: boolean[] = [];
  const wrapped: ContainerRuntime = Object.create(runtime, {
    spawn: {
      value: (spec: ContainerSpec, options?: { signal?: AbortSignal }) => {
        channels.push(spec.channel === true);
        return runtime.spawn(spec.channel && change ? change(spec) : spec, options);
      },
    },
  });
  return Object.assign(wrapped, { channels });
}

function expectSuccess(result: RunResult): void {
  expect(result.status, JSON.stringify(result.error)).toBe('success');
}

const said = (logger: { lines: Line[] }, level: string): string[] =>
  logger.lines
    .filter((line) => line.level === level && line.message.startsWith('direct channel off'))
    .map((line) => line.message);

engineSuite('the direct channel on podman', status, () => {
  let serial = 0;
  const made: Sandbox[] = [];
  const make = (options: Partial<SandboxOptions>): Sandbox => {
    serial += 1;
    const sandbox = createSandbox({
      runtime,
      image: IMAGE,
      instanceId: `test-channel-${process.pid}-${serial}`,
      ...options,
    });
    made.push(sandbox);
    return sandbox;
  };

  afterEach(async () => {
    for (const sandbox of made.splice(0)) {
      expect(await settledRunContainers(runtime, sandbox)).toEqual([]);
      await sandbox.close();
      const left = await runtime.list(sandbox.labels);
      await runtime.reap(sandbox.labels);
      expect(left.map((container) => container.name)).toEqual([]);
    }
  });

  it('is on by default where the runtime passes descriptors', { timeout: TEST_TIMEOUT }, async () => {
    expect(runtime.passesDescriptors).toBe(true);
    const watched = tampered();
    const logger = recordingLogger();
    const sandbox = make({ runtime: watched, logger });
    const result = await sandbox.run({ code: "print('over the socket')" });
    expectSuccess(result);
    expect(result.stdout).toBe('over the socket\n');
    expect(watched.channels).toEqual([true]);
    expect(said(logger, 'warn')).toEqual([]);
  });

  it('falls back to stdio when the socket cannot be made, says why once, and stays there', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const watched = tampered(() => {
      throw new ContainerRuntimeError('COMMAND_FAILED', 'socketpair: too many open files', {
        engine: 'podman',
      });
    });
    const logger = recordingLogger();
    const sandbox = make({ runtime: watched, logger, directChannel: true });
    const first = await sandbox.run({ code: "print('first')" });
    expectSuccess(first);
    expect(first.stdout).toBe('first\n');
    const second = await sandbox.run({ code: "print('second')" });
    expectSuccess(second);
    // One try over the socket, then stdio for this run and every later one.
    expect(watched.channels).toEqual([true, false, false]);
    const warnings = said(logger, 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('too many open files');
  });

  it('falls back to stdio when the handshake over the socket fails, also for the warm pool', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // The runtime is told of a descriptor that is not there: it finds no socket and says hello on stdout.
    const watched = tampered((spec) => ({ ...spec, env: { ...spec.env, CODEXEC_FRAME_FD: '9' } }));
    const logger = recordingLogger();
    const sandbox = make({ runtime: watched, logger, pool: { size: 1 } });
    const results = [await sandbox.run({ code: '6 * 7' }), await sandbox.run({ code: '6 * 7' })];
    for (const result of results) {
      expectSuccess(result);
      expect(result.value?.repr).toBe('42');
    }
    // No run failed; the socket was tried until it failed once, never after.
    const tries = watched.channels.filter(Boolean).length;
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(watched.channels.slice(watched.channels.lastIndexOf(true) + 1).length).toBeGreaterThanOrEqual(2);
    const warnings = said(logger, 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/stdout instead of the socket/);
  });

  it('asked for where the runtime cannot pass descriptors, uses stdio and says so once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const remote: ContainerRuntime = Object.create(runtime, { passesDescriptors: { value: false } });
    const logger = recordingLogger();
    const sandbox = make({ runtime: remote, logger, directChannel: true });
    expectSuccess(await sandbox.run({ code: '1' }));
    expectSuccess(await sandbox.run({ code: '2' }));
    expect(said(logger, 'info')).toHaveLength(1);
    expect(said(logger, 'info')[0]).toMatch(/cannot pass a descriptor/);
  });
});
