import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import {
  type ContainerRuntime,
  createDockerRuntime,
  createPodmanRuntime,
  type EngineInfo,
  type EngineName,
} from '../src/index.js';

/** The image the container tests run; built offline by scripts/provision-engines.sh. */
export const TEST_IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
export { ON_CI as IN_CI } from '@codexec/test-support';

import { ON_CI as IN_CI } from '@codexec/test-support';
/** Unique per test process, so tests never touch containers of other test runs or of people working here. */
export const RUN_ID = randomBytes(4).toString('hex');

export interface EngineProbe {
  engine: EngineName;
  runtime: ContainerRuntime;
  info?: EngineInfo | undefined;
  /** Why the engine cannot be used for the tests, when it cannot. */
  missing?: string | undefined;
}

/** Which of podman and docker (or the engines given) answer here and have the test image. */
export async function probeEngines(
  runtimes: ContainerRuntime[] = [createPodmanRuntime(), createDockerRuntime()],
): Promise<EngineProbe[]> {
  return Promise.all(
    runtimes.map(async (runtime): Promise<EngineProbe> => {
      try {
        const info = await runtime.info({ timeoutMs: 20_000 });
        if (!(await runtime.imageExists(TEST_IMAGE))) {
          return {
            engine: runtime.engine,
            runtime,
            info,
            missing: `the image ${TEST_IMAGE} is not in ${runtime.engine}`,
          };
        }
        return { engine: runtime.engine, runtime, info };
      } catch (error) {
        return { engine: runtime.engine, runtime, missing: (error as Error).message.split('\n')[0] };
      }
    }),
  );
}

/**
 * One test per engine that fails under CI when the engine is missing (CI must test both), and off CI says loudly
 * that the engine's tests are skipped. Call it inside the engine's describe block.
 */
export function requireEngine(probe: EngineProbe): void {
  const fix =
    'run scripts/provision-engines.sh as root (installs podman, runc, docker.io and builds the image)';
  if (probe.missing && !IN_CI) {
    console.warn(
      `\n*** SKIPPING ${probe.engine} container tests: ${probe.missing}\n*** To run them: ${fix}\n`,
    );
  }
  it.runIf(IN_CI || !probe.missing)(`${probe.engine} answers and has ${TEST_IMAGE}`, () => {
    expect(probe.missing, `${probe.engine} is required under CI=true: ${fix}`).toBeUndefined();
  });
}

/** Runs the engine CLI directly, to check the adapter's work independently of it. */
export async function cli(
  engine: EngineName,
  args: string[],
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(engine, args, { reject: false, stdin: 'ignore', timeout: 60_000 });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Names of every container (any state) whose name matches exactly, straight from `ps -a`. */
export async function containersNamed(engine: EngineName, name: string): Promise<string[]> {
  const result = await cli(engine, ['ps', '--all', '--filter', `name=^${name}$`, '--format', '{{.Names}}']);
  return result.stdout.split('\n').filter(Boolean);
}

export async function containersLabelled(engine: EngineName, label: string): Promise<string[]> {
  const result = await cli(engine, ['ps', '--all', '--filter', `label=${label}`, '--format', '{{.Names}}']);
  return result.stdout.split('\n').filter(Boolean);
}

/** A unix socket that accepts connections and never answers: an engine that hangs. */
export async function hangingSocket(): Promise<{ path: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'codexec-hang-'));
  const path = join(dir, 'engine.sock');
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  server.listen(path);
  await once(server, 'listening');
  return {
    path,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server that accepts connections and never answers: a registry that hangs. */
export async function hangingTcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return {
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a stream to its end as one Buffer. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The stream's first line, newline included, however the engine splits it into chunks (even inside a character). */
export function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer | string): void => {
      seen = Buffer.concat([seen, Buffer.from(chunk)]);
      const end = seen.indexOf(0x0a);
      if (end === -1) return;
      stream.off('data', onData);
      stream.off('end', onEnd);
      resolve(seen.subarray(0, end + 1).toString('utf8'));
    };
    const onEnd = (): void => {
      stream.off('data', onData);
      reject(
        new Error(`the stream ended before a whole line; it gave ${JSON.stringify(seen.toString('utf8'))}`),
      );
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}
