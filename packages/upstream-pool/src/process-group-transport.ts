import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineReader, LineTooLongError } from './line-reader.js';

export interface ProcessGroupTransportOptions {
  command: string;
  args: readonly string[];
  /** The complete environment of the process. */
  env: Record<string, string>;
  cwd?: string | undefined;
  /** Largest message accepted from the server; a longer line is a protocol error that ends the process. */
  maxMessageBytes: number;
  /** How long `close()` waits after closing stdin, and again after SIGTERM, before escalating. */
  closeGraceMs: number;
  onStderr?: ((chunk: string) => void) | undefined;
}

/** How the process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const isWindows = process.platform === 'win32';

/**
 * MCP over the stdio of a child process that leads its own process group.
 *
 * The SDK's `StdioClientTransport` signals only the direct child, so the real server behind a launcher (`npx`,
 * `uvx`, a shell script) outlives `close()`, and it cannot spawn the child detached. This transport spawns the
 * server as a group leader and ends the whole group: stdin closed, then SIGTERM to the group, then SIGKILL.
 * When the leader dies on its own, what is left of its group is ended too. Message framing is the SDK's
 * (`serializeMessage`, `deserializeMessage`); lines are read without the quadratic copying of its `ReadBuffer`.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T) => void) | undefined;

  private child: ChildProcess | undefined;
  private closing: Promise<void> | undefined;
  private exitInfo: ProcessExit | undefined;
  private failureText: string | undefined;
  private readonly reader: LineReader;

  constructor(private readonly options: ProcessGroupTransportOptions) {
    this.reader = new LineReader(options.maxMessageBytes);
  }

  /** The process id (and process group id) of the server, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Why the transport stopped the server itself (a protocol violation), if it did. */
  get failure(): string | undefined {
    return this.failureText;
  }

  /** How the process ended, once it has. */
  get exit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('ProcessGroupStdioTransport already started');
    const child = spawn(this.options.command, [...this.options.args], {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: !isWindows,
      windowsHide: true,
    });
    this.child = child;

    child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.options.onStderr?.(chunk));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      // The leader is gone: whatever it left in its group (a launcher's real server, helpers) goes with it.
      if (!this.closing) void this.endGroup(child, 0);
    });
    child.once('close', () => {
      untrack(child);
      this.child = undefined;
      this.onclose?.();
    });

    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => {
        track(child);
        resolve();
      });
      child.once('error', (error) => {
        this.child = undefined;
        reject(error);
      });
    });
    child.on('error', (error) => this.onerror?.(error));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable)
      throw new Error('Not connected: the server process has ended');
    if (!stdin.write(serializeMessage(message))) await once(stdin, 'drain');
  }

  /** Ends the server and every process of its group; resolves when they are gone. Idempotent. */
  close(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    this.closing ??= this.endGroup(child, this.options.closeGraceMs);
    return this.closing;
  }

  private receive(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.reader.push(chunk);
    } catch (error) {
      const reason = error instanceof LineTooLongError ? error.message : String(error);
      this.failureText = `sent ${reason}`;
      this.onerror?.(new Error(`Protocol error: the server ${this.failureText}; stopping it`));
      void this.close();
      return;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      let message: JSONRPCMessage;
      try {
        message = deserializeMessage(line);
      } catch (error) {
        this.onerror?.(new Error(`Protocol error: not a JSON-RPC message on stdout (${String(error)})`));
        continue;
      }
      this.onmessage?.(message);
    }
  }

  /** stdin closed, `graceMs` for the leader to leave, SIGTERM to the group, `graceMs`, SIGKILL. */
  private async endGroup(child: ChildProcess, graceMs: number): Promise<void> {
    const closed = once(child, 'close').then(() => {});
    child.stdin?.end();
    if (this.exitInfo === undefined && graceMs > 0) await Promise.race([once(child, 'exit'), sleep(graceMs)]);
    if (groupAlive(child)) {
      signalGroup(child, 'SIGTERM');
      const deadline = Date.now() + Math.max(graceMs, 100);
      while (groupAlive(child) && Date.now() < deadline) await sleep(25);
      if (groupAlive(child)) signalGroup(child, 'SIGKILL');
    }
    // 'close' follows once every process holding the pipes is gone; bounded in case one is unkillable.
    await Promise.race([closed, sleep(Math.max(graceMs, 1000))]);
  }
}

/** Whether any process of the child's group is still there (a dead but unreaped leader counts as alive). */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  if (isWindows) return child.exitCode === null && child.signalCode === null;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (isWindows) spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F'], { windowsHide: true });
    else process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

// Safety net for a host that exits without closing its pool: its servers' groups get SIGTERM on the way out.
const liveChildren = new Set<ChildProcess>();
const onHostExit = () => {
  for (const child of liveChildren) signalGroup(child, 'SIGTERM');
};

function track(child: ChildProcess): void {
  if (liveChildren.size === 0) process.on('exit', onHostExit);
  liveChildren.add(child);
}

function untrack(child: ChildProcess): void {
  if (!liveChildren.delete(child)) return;
  if (liveChildren.size === 0) process.off('exit', onHostExit);
}
