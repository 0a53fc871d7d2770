import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerRuntimeError, detectRuntime } from '../src/index.js';

/**
 * The macOS path of detection, exercised on Linux: a stand-in `podman` replays outputs recorded from podman
 * (`info` of a stopped machine's connection, `machine list --format json`, `machine init|start`) and keeps the
 * machine's state in files, so the real process handling of detectRuntime and ensurePodmanMachine runs.
 */
const fixtures = new URL('../src/fixtures/', import.meta.url).pathname;

function standIn(dir: string): string {
  const script = join(dir, 'podman');
  writeFileSync(
    script,
    `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$1 $2" in
  "info "*)
    if [ -f "${dir}/running" ]; then cat "${fixtures}podman-info-rootless.json"; exit 0; fi
    echo 'Cannot connect to Podman. Please verify your connection to the Linux system using \`podman system connection list\`, or try \`podman machine init\` and \`podman machine start\` to manage a new Linux VM' >&2
    echo 'Error: unable to connect to Podman socket: Get "http://d/v5.2.0/libpod/_ping": dial unix /var/folders/x/podman-machine-default-api.sock: connect: no such file or directory' >&2
    exit 125 ;;
  "machine list")
    if [ -f "${dir}/exists" ]; then cat "${fixtures}podman-machine-list-stopped.json"; else echo '[]'; fi ;;
  "machine init")
    echo "Looking up Podman Machine image at quay.io/podman/machine-os:5.2 to create VM"
    echo "Machine init complete"
    touch "${dir}/exists" ;;
  "machine start")
    if [ -f "${dir}/fail-start" ]; then echo 'Error: exec: "vfkit": executable file not found in $PATH' >&2; exit 125; fi
    echo "Starting machine \\"$3\\""
    touch "${dir}/running"
    echo "Machine \\"$3\\" started successfully" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`,
    { mode: 0o755 },
  );
  return script;
}

const dirs: string[] = [];
function setup(state: { exists?: boolean; failStart?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'codexec-machine-'));
  dirs.push(dir);
  if (state.exists) writeFileSync(join(dir, 'exists'), '');
  if (state.failStart) writeFileSync(join(dir, 'fail-start'), '');
  const command = standIn(dir);
  const calls = () =>
    existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  return { command, calls };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('detectRuntime on macOS with podman', () => {
  it('starts a stopped machine, then uses podman', async () => {
    const { command, calls } = setup({ exists: true });
    const { runtime, info } = await detectRuntime({
      platform: 'darwin',
      candidates: [{ engine: 'podman', command }],
    });
    expect([runtime.engine, info.rootless]).toEqual(['podman', true]);
    expect(calls().filter((c) => c.startsWith('machine'))).toEqual([
      'machine list --format json',
      'machine start podman-machine-default',
    ]);
  });

  it('creates the machine first when there is none', async () => {
    const { command, calls } = setup();
    await detectRuntime({ platform: 'darwin', candidates: [{ engine: 'podman', command }] });
    expect(calls().filter((c) => c.startsWith('machine'))).toEqual([
      'machine list --format json',
      'machine init podman-machine-default',
      'machine start podman-machine-default',
    ]);
  });

  it('reports a machine that cannot start with MACHINE_START_FAILED and advice', async () => {
    const { command } = setup({ exists: true, failStart: true });
    const error = await detectRuntime({
      platform: 'darwin',
      candidates: [{ engine: 'podman', command }],
    }).then(
      () => undefined,
      (e: unknown) => e as ContainerRuntimeError,
    );
    expect(error).toBeInstanceOf(ContainerRuntimeError);
    expect(error?.code).toBe('MACHINE_START_FAILED');
    expect(error?.message).toMatch(/vfkit.*reinstall podman/s);
  });

  it('leaves the machine alone when told to, or on Linux', async () => {
    for (const options of [
      { platform: 'darwin' as const, startPodmanMachine: false },
      { platform: 'linux' as const },
    ]) {
      const { command, calls } = setup({ exists: true });
      const error = await detectRuntime({
        ...options,
        candidates: [{ engine: 'podman', command }],
      }).then(
        () => undefined,
        (e: unknown) => e as ContainerRuntimeError,
      );
      expect(error?.code).toBe('ENGINE_NOT_RESPONDING');
      expect(error?.message).toMatch(/podman machine start|podman info/);
      expect(calls().some((c) => c.startsWith('machine'))).toBe(false);
    }
  });
});
