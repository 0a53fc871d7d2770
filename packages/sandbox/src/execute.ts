import { setMaxListeners } from 'node:events';
import type { ContainerExit } from '@codexec/container-runtime';
import type { DoneFrame, FrameProtocolError, ServerMeta } from '@codexec/frame-protocol';
import { formatDuration, onAbort } from '@codexec/internal';
import { type Attachment, type AttachmentLimits, serveAttachments } from './attachments.js';
import { Deadline } from './deadline.js';
import { memoryFallbackMessage } from './limits.js';
import type { Logger } from './logger.js';
import { serveMemory } from './memory-host.js';
import type { MemoryStore } from './memory-store.js';
import { OutputBuffer } from './output-buffer.js';
import { diedMessage, looksOutOfMemory, memoryLimitMessage, type RunResult } from './run-result.js';
import type { ReadyContainer } from './runtime-container.js';
import { type SkillRecord, type SkillStore, skillSource } from './skill-store.js';
import { serveSkills, skillDoc } from './skills-host.js';
import { serveToolHost, type ToolHost } from './tool-host.js';

export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: string;
}

export interface ExecuteOptions {
  /** The execute's id on the channel: unique for the life of the container (`x1`, `x2`, … in a session). */
  executeId: string;
  /** Run in the runtime's persistent namespace (a session) rather than a fresh `__main__`. */
  persist?: boolean;
  /**
   * On a timeout or cancel, ask the runtime to interrupt the code (a `cancel` frame: KeyboardInterrupt) and wait
   * this long for its `done` before giving up on the container. Unset: give up at once (the caller removes it).
   */
  interruptGraceMs?: number;
  code: string;
  servers: readonly ServerMeta[];
  discovered?: readonly string[] | undefined;
  toolHost?: ToolHost | undefined;
  /** Serves `save_memory` and its kin; without one they raise in the code. */
  memoryStore?: MemoryStore | undefined;
  /** Saved tools: loaded into the run, and `save_tool` and its kin served. */
  skillStore?: SkillStore | undefined;
  /** Limits of the files the code hands back (`runtime.attach`). */
  attachments: AttachmentLimits;
  timeoutMs: number;
  callTimeoutMs: number;
  maxOutputBytes: number;
  /** The container's memory limit, for the message when it is exceeded. */
  memory: string;
  signal?: AbortSignal | undefined;
  onOutput?: ((chunk: OutputChunk) => void) | undefined;
  /** When the run began (performance.now()), for `durationMs`. */
  startedAt: number;
  logger: Logger;
}

export type Ending =
  | { kind: 'done'; frame: DoneFrame }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'protocol'; error: FrameProtocolError }
  | { kind: 'exited'; exit: ContainerExit | undefined }
  | { kind: 'failed'; message: string };

export interface ExecuteOutcome {
  result: RunResult;
  /**
   * True when the runtime answered `done` (also after an interrupt): it is idle, so its container can be reused by
   * a session, or removed after the result is returned. False when the container may still be running code
   * (timeout, cancel) or is broken.
   */
  finished: boolean;
  /** How the run ended, before any interrupt: `done`, `timeout`, `cancelled`, `protocol`, `exited`, `failed`. */
  ending: Ending['kind'];
  /** The code was stopped by an interrupt and the runtime answered: a session keeps its state. */
  interrupted: boolean;
}

/**
 * Runs code on a ready container: sends `execute`, serves its tool calls, collects bounded output, and ends on
 * `done`, the timeout, the signal, a protocol error or the container's exit. Never throws. Leaves the container
 * running: the caller stops it.
 */
export async function executeOn(ready: ReadyContainer, options: ExecuteOptions): Promise<ExecuteOutcome> {
  const { channel, container } = ready;
  const { logger } = options;
  let skills: SkillRecord[] = [];
  if (options.skillStore) {
    try {
      skills = await options.skillStore.list();
    } catch (error) {
      logger.warn('saved tools could not be read; the run goes on without them', { error: String(error) });
    }
  }
  const stdout = new OutputBuffer(options.maxOutputBytes);
  const stderr = new OutputBuffer(options.maxOutputBytes);
  let hostCalls = 0;
  const runAbort = new AbortController();
  // Every pending tool call listens to the run's signal: hundreds at once is normal.
  setMaxListeners(0, runAbort.signal);
  const cleanups: (() => void)[] = [];

  let settle!: (ending: Ending) => void;
  const ending = new Promise<Ending>((resolve) => {
    settle = (value) => {
      settle = () => {};
      resolve(value);
    };
  });
  // The runtime's `done`, also when it comes after the run already ended (an interrupt answered).
  let answered!: (frame: DoneFrame) => void;
  const doneFrame = new Promise<DoneFrame>((resolve) => {
    answered = resolve;
  });

  // The run's time budget; a tool host may pause it while a person decides on a call (`pauseDeadlines`).
  const deadline = new Deadline(options.timeoutMs, () => settle({ kind: 'timeout' }));
  cleanups.push(() => deadline.clear());
  cleanups.push(
    channel.onFrame((frame) => {
      if (frame.type === 'stdout' || frame.type === 'stderr') {
        (frame.type === 'stdout' ? stdout : stderr).append(frame.data);
        if (options.onOutput) {
          try {
            options.onOutput({ stream: frame.type, data: frame.data });
          } catch (error) {
            logger.warn('onOutput threw', { error: String(error) });
          }
        }
      } else if (frame.type === 'done' && frame.id === options.executeId) {
        answered(frame);
        settle({ kind: 'done', frame });
      }
    }),
    channel.onProtocolError((error) => settle({ kind: 'protocol', error })),
    serveToolHost(channel, {
      toolHost: options.toolHost,
      runDeadline: deadline,
      servers: options.servers,
      callTimeoutMs: options.callTimeoutMs,
      runSignal: runAbort.signal,
      onCall: () => {
        hostCalls += 1;
      },
      logger,
      skillDocs: options.skillStore
        ? async (signal) => (await options.skillStore!.list({ signal })).map(skillDoc)
        : undefined,
    }),
  );
  if (options.skillStore) {
    cleanups.push(
      serveSkills(channel, {
        store: options.skillStore,
        servers: options.servers,
        toolHost: options.toolHost,
        runSignal: runAbort.signal,
        logger,
      }),
    );
  }
  const attachments: Attachment[] = [];
  cleanups.push(serveAttachments(channel, options.attachments, attachments));
  if (options.memoryStore) {
    cleanups.push(serveMemory(channel, { store: options.memoryStore, runSignal: runAbort.signal, logger }));
  }

  cleanups.push(onAbort(options.signal, () => settle({ kind: 'cancelled' })));

  const gone = new Promise<Ending>((resolve) => {
    void container.exited.then((exit) => resolve({ kind: 'exited', exit }));
    void channel.closed.then(async () => {
      // stdout ended: wait a moment for the exit status, which says why.
      const grace = new Promise<undefined>((done) => setTimeout(done, 5000, undefined).unref());
      resolve({ kind: 'exited', exit: await Promise.race([container.exited, grace]) });
    });
  });
  void gone.then((end) => settle(end));

  channel
    .send({
      type: 'execute',
      id: options.executeId,
      code: options.code,
      servers: [...options.servers],
      ...(options.discovered ? { discovered: [...options.discovered] } : {}),
      ...(options.persist ? { persist: true } : {}),
      ...(skills.length ? { skills: skills.map(skillSource) } : {}),
      options: { callTimeoutMs: options.callTimeoutMs },
    })
    .catch((error: unknown) => {
      settle({
        kind: 'failed',
        message: `The code could not be sent to the container: ${error instanceof Error ? error.message : String(error)}`,
      });
    });

  const end = await ending;
  runAbort.abort(new Error('the run ended'));
  let interrupt: DoneFrame | undefined;
  if ((end.kind === 'timeout' || end.kind === 'cancelled') && options.interruptGraceMs) {
    // KeyboardInterrupt in the code; what it printed until then still arrives before its `done`.
    channel.send({ type: 'cancel', id: options.executeId, reason: end.kind }).catch(() => {});
    const grace = new Promise<undefined>((resolve) =>
      setTimeout(resolve, options.interruptGraceMs, undefined).unref(),
    );
    interrupt = await Promise.race([doneFrame, gone.then(() => undefined), grace]);
  }
  for (const cleanup of cleanups) cleanup();

  const result: RunResult = {
    status: 'error',
    stdout: stdout.text('stdout'),
    stderr: stderr.text('stderr'),
    durationMs: Math.round(performance.now() - options.startedAt),
    calls: hostCalls,
    truncated: {
      stdout: stdout.truncated,
      stderr: stderr.truncated,
      stdoutBytes: stdout.droppedBytes,
      stderrBytes: stderr.droppedBytes,
    },
  };
  switch (end.kind) {
    case 'done': {
      result.status = end.frame.status;
      if (end.frame.value) result.value = end.frame.value;
      if (end.frame.error) result.error = end.frame.error;
      const memoryRlimit = ready.hello.limits?.memory;
      if (result.error?.type === 'MemoryError' && memoryRlimit?.enforcedBy === 'rlimit') {
        // Past the data rlimit that stands in for the cgroup: the same clear message as the out-of-memory killer's.
        result.error = {
          ...result.error,
          message: memoryFallbackMessage(options.memory, memoryRlimit, result.error.message),
        };
      }
      if (end.frame.calls !== undefined) result.calls = end.frame.calls;
      break;
    }
    case 'timeout':
      result.status = 'timeout';
      result.error = {
        type: 'TimeoutError',
        message: interrupt
          ? `The code did not finish within ${formatDuration(options.timeoutMs)} and was interrupted`
          : `The code did not finish within ${formatDuration(options.timeoutMs)} and was stopped`,
        ...(interrupt?.error?.traceback ? { traceback: interrupt.error.traceback } : {}),
      };
      break;
    case 'cancelled':
      result.status = 'cancelled';
      result.error = interrupt
        ? {
            type: 'Cancelled',
            message: 'The run was cancelled and the code interrupted',
            ...(interrupt.error?.traceback ? { traceback: interrupt.error.traceback } : {}),
          }
        : { type: 'Cancelled', message: 'The run was cancelled and its container removed' };
      break;
    case 'protocol':
      result.error = {
        type: 'ProtocolError',
        message:
          `The container sent something that is not a valid frame (${end.error.code}: ${end.error.message}). ` +
          'Code must not write to the frame channel (a duplicate of the original stdout); the run was stopped',
      };
      break;
    case 'exited': {
      const exit = end.exit;
      if (exit && !ready.stopping && looksOutOfMemory(exit)) {
        result.error = { type: 'MemoryError', message: memoryLimitMessage(options.memory) };
      } else {
        result.error = {
          type: 'SandboxError',
          message: exit
            ? diedMessage(exit, ready.stderrTail())
            : 'The container closed its output before the code finished; the run was lost',
        };
      }
      break;
    }
    case 'failed':
      result.error = { type: 'SandboxError', message: end.message };
      break;
  }
  if (interrupt?.calls !== undefined) result.calls = interrupt.calls;
  if (attachments.length) result.attachments = attachments;
  return {
    result,
    finished: end.kind === 'done' || interrupt !== undefined,
    ending: end.kind,
    interrupted: interrupt !== undefined,
  };
}
