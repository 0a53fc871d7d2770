import { ContainerRuntimeError, tail } from './errors.js';

/**
 * On macOS (and Windows) podman runs containers in a Linux VM, "the podman machine". These pure functions read what
 * `podman machine list --format json` and `podman machine init|start` printed and decide what to do; the I/O is in
 * `adapters/podman-machine.ts`.
 */

export interface PodmanMachine {
  name: string;
  /** The machine podman connects to by default. */
  isDefault: boolean;
  running: boolean;
  starting: boolean;
  vmType?: string | undefined;
}

/** The machine `podman machine init` creates when given no name. */
export const DEFAULT_MACHINE_NAME = 'podman-machine-default';

/**
 * `podman machine list --format json`: an array of `{ Name, Default, Running, Starting, LastUp, VMType, … }`.
 * Podman 4.0 had no `Starting` and reported a running machine through `LastUp: "Currently running"` as well;
 * the table format marks the default machine with a trailing `*`, which some versions also left in `Name`.
 * @throws {ContainerRuntimeError} `COMMAND_FAILED` when the text is not JSON.
 */
export function parsePodmanMachineList(text: string): PodmanMachine[] {
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ContainerRuntimeError(
      'COMMAND_FAILED',
      `\`podman machine list --format json\` printed something that is not JSON (${JSON.stringify(text.slice(0, 120))}). Update podman.`,
      { engine: 'podman', cause },
    );
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.map((raw) => {
    const item = (raw ?? {}) as Record<string, unknown>;
    const rawName = typeof item.Name === 'string' ? item.Name : '';
    const lastUp = typeof item.LastUp === 'string' ? item.LastUp : '';
    return {
      name: rawName.replace(/\*$/, ''),
      isDefault: item.Default === true || rawName.endsWith('*'),
      running: item.Running === true || /^currently running$/i.test(lastUp),
      starting: item.Starting === true || /^currently starting$/i.test(lastUp),
      vmType: typeof item.VMType === 'string' ? item.VMType : undefined,
    };
  });
}

export type PodmanMachinePlan =
  /** A machine is running already: if podman still does not answer, the cause is elsewhere (connection, socket). */
  | { action: 'none'; machine: string }
  /** A machine is booting: wait for it. */
  | { action: 'wait'; machine: string }
  | { action: 'start'; machine: string }
  /** No machine exists: create the default one, then start it. */
  | { action: 'init-and-start'; machine: string };

/** What to do so that podman has a running machine. Only one machine can run at a time. */
export function planPodmanMachine(machines: PodmanMachine[]): PodmanMachinePlan {
  const running = machines.find((m) => m.running);
  if (running) return { action: 'none', machine: running.name };
  const starting = machines.find((m) => m.starting);
  if (starting) return { action: 'wait', machine: starting.name };
  const chosen = machines.find((m) => m.isDefault) ?? machines[0];
  if (chosen) return { action: 'start', machine: chosen.name };
  return { action: 'init-and-start', machine: DEFAULT_MACHINE_NAME };
}

/**
 * Whether a failed `podman machine start NAME` only says that NAME runs already (a race with another starter), as
 * opposed to another machine running (`unable to start "h2": machine h1: VM already running or starting`).
 */
export function startSaysAlreadyRunning(stderr: string, machine: string): boolean {
  if (!/already running|already started/i.test(stderr)) return false;
  if (/only one vm can be active|another instance of/i.test(stderr)) return false;
  const other = /machine "?([^\s":]+)"?: VM already running/i.exec(stderr);
  return other === null || other[1] === machine;
}

const MACHINE_HINTS: [RegExp, string][] = [
  [
    /(vfkit|qemu-system-[\w-]+|gvproxy|krunkit).*(not found|no such file)|could not find "?(gvproxy|vfkit)/i,
    'A helper podman needs is missing: reinstall podman (the official installer or `brew reinstall podman`), or install Podman Desktop.',
  ],
  [
    /only one vm can be active|machine [^\s:]+: VM already running/i,
    'Another podman machine is running: stop it (`podman machine stop NAME`) or make it the default connection (`podman system connection default NAME`).',
  ],
  [
    /another instance of .* is already running/i,
    'A VM process of this machine is left over: quit it (the process id is in the message), then `podman machine start` again.',
  ],
  [
    /still starting|currently starting/i,
    'The machine seems stuck starting: run `podman machine stop` and `podman machine start` (or recreate it with `podman machine rm` and `podman machine init`).',
  ],
  [
    /(download|pull|fetch).*(fail|error)|no such host|i\/o timeout|tls/i,
    'Downloading the machine image failed: check the network, then run `podman machine init` again.',
  ],
  [
    /(no space left|disk)/i,
    'The disk is full: free space, or give the machine a smaller disk (`podman machine init --disk-size`).',
  ],
  [
    /ssh|timed out|timeout|handshake/i,
    'The machine started but podman could not reach it: try `podman machine stop` then `podman machine start`, or recreate it (`podman machine rm`, `podman machine init`).',
  ],
];

/** `MACHINE_START_FAILED` for a failed `podman machine init|start`, with advice from the message. */
export function machineFailure(input: {
  step: 'init' | 'start' | 'wait' | 'list';
  machine: string;
  stderr: string;
  timedOutAfterMs?: number | undefined;
}): ContainerRuntimeError {
  const text = tail(input.stderr);
  const command =
    input.step === 'list'
      ? 'podman machine list'
      : input.step === 'wait'
        ? `waiting for podman machine ${input.machine} to start`
        : `podman machine ${input.step} ${input.machine}`;
  const what =
    input.timedOutAfterMs !== undefined
      ? `timed out after ${Math.round(input.timedOutAfterMs / 1000)} s`
      : 'failed';
  const hint =
    MACHINE_HINTS.find(([pattern]) => pattern.test(text))?.[1] ??
    'Run the command by hand to see the whole message, or use Docker Desktop and set the `runtime` to docker.';
  return new ContainerRuntimeError(
    'MACHINE_START_FAILED',
    `\`${command}\` ${what}${text ? `:\n${text}\n` : '. '}${hint}`,
    {
      engine: 'podman',
      stderr: text || undefined,
    },
  );
}
