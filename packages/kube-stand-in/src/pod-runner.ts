import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podman } from './podman.js';
import type { PodmanRun } from './podman-args.js';

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        reason: 'Completed' | 'Error' | 'OOMKilled';
        message?: string;
        startedAt: string;
        finishedAt: string;
      };
    };

/** What an open attach is told: output as it comes, then the exit code once all output was delivered. */
export interface AttachListener {
  output(channel: 1 | 2, data: Buffer): void;
  exited(exitCode: number): void;
}

export interface AttachSession {
  stdin(data: Buffer): void;
  /** Closes the container's stdin (stdinOnce): a half-close, or the end of the first attach. */
  closeStdin(): void;
  detach(): void;
}

export interface PodRunnerOptions {
  name: string;
  run: PodmanRun;
  podman: string;
  /** Whether the pod sets a memory limit: only then can exit code 137 be an out-of-memory kill. */
  memoryLimited: boolean;
  log: (message: string) => void;
  /** Called after every change of the container's state (what a watch of the pod is told). */
  onChange?: (() => void) | undefined;
}

// How often a starting container is looked up until podman says it runs.
const POLL_MS = 50;
// Podman's exit code for a failure of its own (the container never ran).
const PODMAN_ERROR = 125;

/**
 * One pod's container under `podman run -i --rm`, as a node runs it: it starts at once, keeps what it writes until
 * the first attach, closes its stdin when the first attach's stdin closes, and remembers how it ended.
 */
export class PodRunner {
  private state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  private child: ChildProcess | undefined;
  private readonly early: { channel: 1 | 2; data: Buffer }[] = [];
  private listener: AttachListener | undefined;
  private attachedOnce = false;
  private exitCode: number | undefined;
  private removed = false;
  /** The working directory of `podman run`, where conmon leaves its `oom` mark. */
  private monitorDir: string | undefined;
  /** Settles when the podman process has ended (or never started). */
  readonly done: Promise<void>;
  private settle!: () => void;

  constructor(private readonly options: PodRunnerOptions) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get phase(): Phase {
    if ('terminated' in this.state) return this.state.terminated.exitCode === 0 ? 'Succeeded' : 'Failed';
    return 'running' in this.state ? 'Running' : 'Pending';
  }

  get containerState(): ContainerState {
    return this.state;
  }

  /** Starts the container, unless its image is missing: then the pod waits, as a node that cannot pull it. */
  async start(): Promise<void> {
    const { run } = this.options;
    const image = await podman(this.options.podman, ['image', 'exists', run.image]);
    if (this.removed) return this.settle();
    if (image.code !== 0) {
      this.state = {
        waiting:
          run.imagePullPolicy === 'Never'
            ? {
                reason: 'ErrImageNeverPull',
                message: `Container image "${run.image}" is not present with pull policy of Never`,
              }
            : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${run.image}"` },
      };
      this.options.onChange?.();
      return this.settle();
    }
    const startedAt = new Date().toISOString();
    const monitorDir = await mkdtemp(join(tmpdir(), 'kube-stand-in-'));
    if (this.removed) {
      await rm(monitorDir, { recursive: true, force: true });
      return this.settle();
    }
    this.monitorDir = monitorDir;
    const child = spawn(this.options.podman, run.args, {
      cwd: this.monitorDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (data: Buffer) => this.output(1, data));
    child.stderr.on('data', (data: Buffer) => this.output(2, data));
    // A container that exits without reading its stdin closes the pipe under us.
    child.stdin.on('error', () => {});
    child.on('error', (error) => {
      this.options.log(`podman could not be started for pod ${this.options.name}: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      void this.ended(code ?? (signal ? 128 + 9 : -1), startedAt);
    });
    void this.watchStart();
  }

  /** Pending becomes Running once podman reports the container running (not merely `podman run` started). */
  private async watchStart(): Promise<void> {
    while (this.exitCode === undefined && !this.removed && 'waiting' in this.state) {
      const result = await podman(this.options.podman, [
        'container',
        'inspect',
        '--format',
        '{{.State.Status}}|{{.State.StartedAt}}',
        this.options.name,
      ]);
      const [status, started] = result.stdout.trim().split('|');
      if (
        result.code === 0 &&
        status === 'running' &&
        'waiting' in this.state &&
        this.exitCode === undefined
      ) {
        const startedAt = new Date(started?.replace(/ \+0000 UTC$/, 'Z').replace(' ', 'T') ?? '');
        this.state = {
          running: { startedAt: (Number.isNaN(startedAt.getTime()) ? new Date() : startedAt).toISOString() },
        };
        this.options.onChange?.();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private output(channel: 1 | 2, data: Buffer): void {
    if (this.listener) this.listener.output(channel, data);
    else if (!this.attachedOnce) this.early.push({ channel, data });
    // Output while no attach is open after the first one went to the node's log: an attach does not replay it.
  }

  private async ended(exitCode: number, startedAt: string): Promise<void> {
    const finishedAt = new Date().toISOString();
    const since = 'running' in this.state ? this.state.running.startedAt : startedAt;
    const reason =
      exitCode === 0
        ? 'Completed'
        : exitCode === 137 && (await this.oomKilled(since))
          ? 'OOMKilled'
          : 'Error';
    const message = exitCode === PODMAN_ERROR && !('running' in this.state) ? this.podmanError() : undefined;
    this.exitCode = exitCode;
    this.state = {
      terminated: {
        exitCode,
        reason,
        ...(message ? { message } : {}),
        startedAt: since,
        finishedAt,
      },
    };
    this.options.onChange?.();
    this.listener?.exited(exitCode);
    if (this.monitorDir) await rm(this.monitorDir, { recursive: true, force: true }).catch(() => {});
    this.settle();
  }

  /**
   * Whether podman saw an out-of-memory kill. `--rm` removes the container, and its `State.OOMKilled`, as it ends.
   * What is left: conmon, podman's container monitor, writes a file named `oom` into its working directory (the
   * directory `podman run` was started in, one of its own per pod) when the cgroup's OOM killer hit the container,
   * as podman 4.3 with runc on cgroups v1 does here, where podman records no `oom` event. Podman versions that log the
   * event are asked too. Without either, a memory kill ends as `Error` with exit code 137.
   */
  private async oomKilled(since: string): Promise<boolean> {
    if (!this.options.memoryLimited) return false;
    if (this.monitorDir && existsSync(join(this.monitorDir, 'oom'))) return true;
    const events = await podman(this.options.podman, [
      'events',
      '--stream=false',
      '--since',
      since,
      '--filter',
      `container=${this.options.name}`,
      '--filter',
      'event=oom',
      '--format',
      '{{.Status}}',
    ]);
    return events.code === 0 && /\boom\b/.test(events.stdout);
  }

  private podmanError(): string {
    return Buffer.concat(this.early.filter((chunk) => chunk.channel === 2).map((chunk) => chunk.data))
      .toString('utf8')
      .trim()
      .slice(0, 1024);
  }

  /** Why an attach would be refused now, if it would. */
  attachRefusal(): string | undefined {
    if (this.phase !== 'Running') return `pod is not running (phase ${this.phase})`;
    if (this.listener) return 'another attach to this container is open: the stand-in takes one at a time';
    return undefined;
  }

  /** An attach: refused (with the reason) unless the container runs and no other attach is open. */
  attach(listener: AttachListener): AttachSession | string {
    const refusal = this.attachRefusal();
    if (refusal !== undefined) return refusal;
    const first = !this.attachedOnce;
    this.attachedOnce = true;
    this.listener = listener;
    for (const chunk of this.early.splice(0)) listener.output(chunk.channel, chunk.data);
    if (this.exitCode !== undefined) listener.exited(this.exitCode);
    const child = this.child;
    const closeStdin = () => {
      if (first && child?.stdin?.writable) child.stdin.end();
    };
    return {
      stdin: (data) => {
        if (first && child?.stdin?.writable) child.stdin.write(data);
      },
      closeStdin,
      detach: () => {
        if (this.listener === listener) this.listener = undefined;
        closeStdin();
      },
    };
  }

  /**
   * Kills and removes the container (at once: grace period 0), and waits until podman has let go of it. A `podman
   * run` that had not created its container yet when `rm` looked is caught by the next round.
   */
  async remove(): Promise<void> {
    this.removed = true;
    for (let round = 0; this.child && round < 10; round++) {
      const result = await podman(this.options.podman, ['rm', '-f', '--time', '0', this.options.name]);
      if (result.code !== 0 && !/no such container/i.test(result.stderr)) {
        this.options.log(`podman rm ${this.options.name} failed: ${result.stderr.trim()}`);
      }
      const ended = await Promise.race([
        this.done.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(resolve, 1000, false)),
      ]);
      if (ended) return;
    }
    this.child?.kill('SIGKILL');
    await this.done;
  }
}
