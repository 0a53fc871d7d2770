import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { exitStatus } from './api-status.js';
import type { AttachSession, PodRunner } from './pod-runner.js';

/** The channel subprotocols the stand-in speaks, best first; v5 adds the close frame `[255, channel]`. */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

export interface AttachQuery {
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The subprotocol to answer with: the first the client offers that the stand-in knows (ws hands them in order). */
export function pickProtocol(offered: Set<string>): string | false {
  for (const protocol of offered) {
    if ((CHANNEL_PROTOCOLS as readonly string[]).includes(protocol)) return protocol;
  }
  return false;
}

/** The attach flags of a request URL; `true` and `1` are true, as the API server reads booleans. */
export function attachQuery(url: URL): AttachQuery {
  const flag = (key: string) => /^(true|1)$/i.test(url.searchParams.get(key) ?? '');
  return {
    container: url.searchParams.get('container') ?? '',
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
  };
}

/**
 * Joins an upgraded WebSocket to a running container: channel 0 in, 1 and 2 out, 3 the final Status, after which
 * the socket closes. Returns the refusal message when the container will not take the attach.
 */
export function serveAttach(
  socket: WebSocket,
  runner: PodRunner,
  query: AttachQuery,
  _request: IncomingMessage,
): string | undefined {
  const session: AttachSession | string = runner.attach({
    output(channel, data) {
      if ((channel === STDOUT && query.stdout) || (channel === STDERR && query.stderr)) {
        socket.send(Buffer.concat([Buffer.of(channel), data]));
      }
    },
    exited(exitCode) {
      socket.send(Buffer.concat([Buffer.of(ERROR), Buffer.from(JSON.stringify(exitStatus(exitCode)))]));
      socket.close(1000);
    },
  });
  if (typeof session === 'string') {
    const refusal = { metadata: {}, status: 'Failure', message: session, reason: 'BadRequest', code: 400 };
    socket.send(Buffer.concat([Buffer.of(ERROR), Buffer.from(JSON.stringify(refusal))]));
    socket.close(1000);
    return session;
  }
  const v5 = socket.protocol === 'v5.channel.k8s.io';
  socket.on('message', (message: Buffer, isBinary: boolean) => {
    const data = isBinary ? message : Buffer.from(message);
    if (data.length === 0) return;
    const channel = data[0];
    if (channel === STDIN && query.stdin) session.stdin(data.subarray(1));
    else if (v5 && channel === CLOSE && data[1] === STDIN) session.closeStdin();
    // Channel 4 (resize) means nothing without a tty.
  });
  socket.on('close', () => session.detach());
  socket.on('error', () => session.detach());
  return undefined;
}
