import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MACHINE_NAME,
  machineFailure,
  parsePodmanMachineList,
  planPodmanMachine,
  startSaysAlreadyRunning,
} from './podman-machine.js';

/** `podman machine list --format json` as podman 4 and 5 print it on macOS (fields from podman's ListReporter). */
const list = (name: string) =>
  parsePodmanMachineList(
    readFileSync(new URL(`./fixtures/podman-machine-list-${name}.json`, import.meta.url), 'utf8'),
  );

describe('planPodmanMachine on recorded `podman machine list` outputs', () => {
  it.each([
    ['none', { action: 'init-and-start', machine: DEFAULT_MACHINE_NAME }],
    ['stopped', { action: 'start', machine: 'podman-machine-default' }],
    ['running', { action: 'none', machine: 'podman-machine-default' }],
    ['starting', { action: 'wait', machine: 'podman-machine-default' }],
    ['two-stopped', { action: 'start', machine: 'work' }],
    ['podman4-currently-running', { action: 'none', machine: 'podman-machine-default' }],
  ])('%s → %j', (name, plan) => {
    expect(planPodmanMachine(list(name))).toEqual(plan);
  });

  it('starts the first machine when none is marked default', () => {
    const machines = list('two-stopped').map((m) => ({ ...m, isDefault: false }));
    expect(planPodmanMachine(machines)).toEqual({ action: 'start', machine: 'podman-machine-default' });
  });

  it('prefers a running machine over starting a default one', () => {
    const machines = [
      { name: 'a', isDefault: true, running: false, starting: false },
      { name: 'b', isDefault: false, running: true, starting: false },
    ];
    expect(planPodmanMachine(machines)).toEqual({ action: 'none', machine: 'b' });
  });
});

describe('parsePodmanMachineList', () => {
  it('reads name, default mark, state and VM type', () => {
    expect(list('two-stopped')).toEqual([
      { name: 'podman-machine-default', isDefault: false, running: false, starting: false, vmType: 'qemu' },
      { name: 'work', isDefault: true, running: false, starting: false, vmType: 'qemu' },
    ]);
    expect(list('podman4-currently-running')[0]).toMatchObject({
      name: 'podman-machine-default',
      running: true,
    });
  });

  it('reads an empty output as no machines, and refuses text that is not JSON', () => {
    expect(parsePodmanMachineList('')).toEqual([]);
    expect(() => parsePodmanMachineList('Error: unknown flag: --format')).toThrow(/not JSON/);
  });
});

describe('startSaysAlreadyRunning', () => {
  it.each([
    ['Error: cannot start VM podman-machine-default: VM already running or starting', true],
    ['Error: unable to start "podman-machine-default": already running', true],
    ['Error: unable to start "h2": machine h1: VM already running or starting', false],
    [
      'Error: cannot start VM "podman-machine-default": another instance of "/opt/podman/qemu/bin/qemu-system-x86_64" is already running with process ID 84143: please stop and restart the VM',
      false,
    ],
    ['Error: exit status 255', false],
  ])('%j → %s', (stderr, expected) => {
    const machine = stderr.includes('"h2"') ? 'h2' : 'podman-machine-default';
    expect(startSaysAlreadyRunning(stderr, machine)).toBe(expected);
  });
});

describe('machineFailure', () => {
  it.each([
    ['start', 'Error: exec: "vfkit": executable file not found in $PATH', /reinstall podman/],
    [
      'start',
      'Error: could not find "gvproxy" in one of [/usr/local/opt/podman/libexec]',
      /reinstall podman/,
    ],
    [
      'start',
      'Error: unable to start "h2": machine h1: VM already running or starting',
      /Another podman machine/,
    ],
    [
      'start',
      'Error: cannot start VM "podman-machine-default": another instance of "/opt/podman/qemu/bin/qemu-system-x86_64" is already running with process ID 84143',
      /left over/,
    ],
    [
      'init',
      'Error: failed to download machine image: Get "https://quay.io/v2/": dial tcp: lookup quay.io: no such host',
      /network/,
    ],
    ['start', 'Waiting for VM ...\nError: exit status 255', /by hand|set the `runtime` to docker/],
    ['wait', 'machine podman-machine-default still starting after 300 s', /stuck starting/],
  ] as const)('%s: %j advises %s', (step, stderr, advice) => {
    const error = machineFailure({ step, machine: 'podman-machine-default', stderr });
    expect(error.code).toBe('MACHINE_START_FAILED');
    expect(error.engine).toBe('podman');
    expect(error.message).toMatch(advice);
    expect(error.message).toContain(stderr.split('\n').at(-1)!);
  });

  it('says when a step timed out', () => {
    const error = machineFailure({ step: 'start', machine: 'm', stderr: '', timedOutAfterMs: 300_000 });
    expect(error.message).toMatch(/`podman machine start m` timed out after 300 s/);
  });
});
