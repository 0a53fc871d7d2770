import {
  type ContainerExit,
  type ContainerLimits,
  type ContainerRuntime,
  type ContainerRuntimeError,
  isContainerRuntimeError,
  type RunningContainer,
} from '@codexec/container-runtime';
import { FrameChannel, type HelloFrame, isFrameProtocolError } from '@codexec/frame-protocol';
import { ByteTail } from '@codexec/internal';
import { SandboxError, type SandboxErrorCode } from './errors.js';
import { requestedLimits } from './limits.js';
import type { Logger } from './logger.js';
import { loadRuntimeBlob, runtimeCommand } from './runtime-source.js';

/** The descriptor the runtime finds its frame channel on when the engine passed one (`CODEXEC_FRAME_FD`). */
const FRAME_FD = 3;

/** Bytes of the container's stderr kept for error messages (the runtime's diagnostics, the engine's complaints). */
const STDERR_TAIL_BYTES = 8 * 1024;

export interface StartRuntimeContainerOptions {
  runtime: ContainerRuntime;
  image: string;
  limits: ContainerLimits;
  /** `codexec-<run id>`. */
  name: string;
  labels: Record<string, string>;
  /** Longest frame line either side accepts. */
  maxLineBytes: number;
  /** How long the container may take to start and say hello. */
  startTimeoutMs: number;
  /** The interpreter in the image. */
  python?: string;
  /**
   * Frames over a socket passed into the container, when the runtime `passesDescriptors` (see `SandboxOptions`).
   * A start that fails with it is not retried here: the sandbox tries again over stdio (`ChannelChoice`).
   */
  directChannel?: boolean;
  signal?: AbortSignal;
  logger: Logger;
}

/** A container whose runtime has said hello and waits for its `execute`. */
export interface ReadyContainer {
  readonly name: string;
  readonly container: RunningContainer;
  readonly channel: FrameChannel<'host'>;
  readonly hello: HelloFrame;
  /** Milliseconds from spawn to hello. */
  readonly startupMs: number;
  /** The last few KiB the container wrote to stderr. */
  stderrTail(): string;
  /** True once `stop` has been called: an exit after that is ours, not the code's. */
  readonly stopping: boolean;
  /**
   * Whether the container can take a run at this instant: its engine client runs (read synchronously from the
   * kernel, see `RunningContainer.clientRunning`), its channel is open, and nobody stopped it. When the client is
   * found dead, the container is removed at once. Call it last, with no `await` between it and the hand-out.
   */
  alive(): boolean;
  /** Kills and removes the container (by name) and closes the channel. Idempotent; never rejects. */
  stop(): Promise<void>;
}

function fromRuntimeError(error: ContainerRuntimeError): SandboxError {
  const code: SandboxErrorCode =
    error.code === 'RUNTIME_NOT_FOUND' || error.code === 'ENGINE_NOT_RESPONDING'
      ? 'ENGINE_UNAVAILABLE'
      : error.code === 'IMAGE_MISSING'
        ? 'IMAGE_MISSING'
        : 'CONTAINER_START_FAILED';
  return new SandboxError(code, error.message, { cause: error });
}

/** The error of a container that ended before it said hello. */
export function earlyExitError(exit: ContainerExit, stderr: string, image: string): SandboxError {
  if (exit.error) return fromRuntimeError(exit.error);
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const said = stderr.trim() ? `; it wrote: ${stderr.trim().slice(-1000)}` : '';
  const hint =
    exit.code === 127 || /python3?: (not found|No such file)|executable file not found/i.test(stderr)
      ? `: the image ${image} has no python3 on its PATH; use an image with Python 3.10 or newer`
      : ': check that the image runs Python 3.10 or newer and that the engine can start containers';
  return new SandboxError(
    'CONTAINER_START_FAILED',
    `The container ${how} before its runtime started${said}${hint}`,
  );
}

/**
 * Starts a container running the Python runtime and waits for its hello: the half of a run a warm pool can do in
 * advance. Throws `SandboxError` (after removing the container) when the engine, the image or the handshake fail;
 * rethrows the signal's reason when the signal fires.
 */
export async function startRuntimeContainer(options: StartRuntimeContainerOptions): Promise<ReadyContainer> {
  const { runtime, image, limits, name, labels, logger, signal } = options;
  signal?.throwIfAborted();
  const blob = loadRuntimeBlob();
  const started = performance.now();
  // Frames take a socket straight into the container when asked for and the engine can pass one (half the round
  // trip of its stdio relay), else stdin and stdout. The runtime's source always travels over stdin.
  const direct = options.directChannel === true && runtime.passesDescriptors;
  let container: RunningContainer;
  try {
    container = runtime.spawn(
      {
        image,
        name,
        labels,
        command: runtimeCommand(options.python),
        limits,
        env: {
          HOME: '/tmp',
          LANG: 'C.UTF-8',
          PYTHONDONTWRITEBYTECODE: '1',
          CODEXEC_MAX_LINE_BYTES: String(options.maxLineBytes),
          // The runtime checks what the kernel holds of these and sets rlimits for what it does not (hello.limits).
          CODEXEC_LIMITS: JSON.stringify(requestedLimits(limits)),
          ...(direct ? { CODEXEC_FRAME_FD: String(FRAME_FD) } : {}),
        },
        channel: direct,
      },
      signal ? { signal } : undefined,
    );
  } catch (error) {
    if (isContainerRuntimeError(error)) {
      throw new SandboxError('INVALID_OPTIONS', error.message, { cause: error });
    }
    throw error;
  }

  const stderr = new ByteTail(STDERR_TAIL_BYTES);
  container.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const stderrTail = (): string => stderr.text();

  const frames = container.channel; // present only when `direct` asked for it
  // With frames on the socket nothing should come on stdout; what does is kept to explain a failed handshake.
  let stdout = '';
  if (frames) {
    container.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < 1000) stdout += chunk.toString('utf8');
    });
  }
  const channel = new FrameChannel({
    side: 'host',
    readable: frames ?? container.stdout,
    writable: frames ?? container.stdin,
    maxLineBytes: options.maxLineBytes,
    logger,
  });
  let stopping = false;
  let stopped: Promise<void> | undefined;
  /** Closes the channel and removes the container by name; without `stopping`, so an exit still says why. */
  const remove = (): Promise<void> => {
    stopped ??= (async () => {
      channel.close();
      await container.stop().catch((error: unknown) => {
        logger.warn('could not stop a container', { name, error: String(error) });
      });
    })();
    return stopped;
  };
  const stop = (): Promise<void> => {
    stopping = true;
    return remove();
  };

  // The runtime's source goes first on stdin; frames follow only after its hello.
  container.stdin.write(blob);

  // Over the socket nothing comes on stdout: a runtime that writes there did not get the socket, and says so at once
  // (the hello on stdout) rather than after the start timeout.
  const strayOutput = new Promise<never>((_, reject) => {
    if (!frames) return;
    container.stdout.once('data', (chunk: Buffer) => {
      reject(
        new SandboxError(
          'PROTOCOL_ERROR',
          `The container's runtime wrote to stdout instead of the socket passed into the container (` +
            `${JSON.stringify(chunk.toString('utf8').trim().slice(0, 200))}): the socket did not reach it; ` +
            'turn `directChannel` off to use stdio',
        ),
      );
    });
  });
  strayOutput.catch(() => {});

  let hello: HelloFrame;
  const exitedEarly = container.exited.then(async (exit) => {
    // The exit can be seen before the last of stdout is read: let the channel read it all (a bad first line then
    // fails the handshake, which says more than the exit), and the last bytes of stderr arrive.
    await Promise.race([channel.closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (stdout.trim() && !exit.error) {
      throw new SandboxError(
        'PROTOCOL_ERROR',
        `The container's runtime failed the handshake: it printed ${JSON.stringify(stdout.trim().slice(0, 200))} ` +
          'instead of a hello frame; check that the image runs Python 3.10 or newer as `python3`',
      );
    }
    throw earlyExitError(exit, stderrTail(), image);
  });
  exitedEarly.catch(() => {});
  try {
    hello = await Promise.race([
      channel.waitForHello({ timeoutMs: options.startTimeoutMs, ...(signal ? { signal } : {}) }),
      exitedEarly,
      strayOutput,
    ]);
  } catch (caught) {
    let error = caught;
    if (isFrameProtocolError(error, 'CLOSED')) {
      // stdout ended: the exit says more than the closed channel does.
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
      error = await Promise.race([exitedEarly, grace]).then(
        () => error,
        (exitError: unknown) => exitError,
      );
    }
    await stop();
    if (signal?.aborted) throw signal.reason;
    if (error instanceof SandboxError) throw error;
    if (isFrameProtocolError(error, 'TIMEOUT')) {
      throw new SandboxError(
        'STARTUP_TIMEOUT',
        `The container did not start its runtime within ${options.startTimeoutMs} ms: the engine may be ` +
          `overloaded or the image slow to start; raise startTimeoutMs${stderrTail() ? `; stderr: ${stderrTail().slice(-1000)}` : ''}`,
        { cause: error },
      );
    }
    if (isFrameProtocolError(error)) {
      throw new SandboxError(
        'PROTOCOL_ERROR',
        `The container's runtime failed the handshake: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const startupMs = Math.round(performance.now() - started);
  logger.debug('runtime ready', { name, startupMs, python: hello.python, direct });

  // A container whose engine client is gone is dead to us at once, whoever holds it: over the socket it would go on
  // answering, and nothing else would remove it. The exit itself still reaches the run (`executeOn`) and the pool.
  void container.exited.then(remove);
  const alive = (): boolean => {
    if (stopping || stopped || channel.isClosed) return false;
    // Race-free: `clientRunning` reads the kernel's view of the client now, not an exit event the event loop may
    // not have delivered yet, so a client killed before this line is seen here. A client that dies after it dies
    // during the run, which ends like any container death (`exited`), and is then removed.
    if (container.clientRunning()) return true;
    logger.debug('the engine client of a container is gone; removing the container', { name });
    void remove();
    return false;
  };
  return {
    name,
    container,
    channel,
    hello,
    startupMs,
    stderrTail,
    get stopping() {
      return stopping;
    },
    alive,
    stop,
  };
}
