import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, openConnection } from './connection-factory.js';
import { closedError, restartLimitError, startFailure } from './error-mapping.js';
import { decideRestart } from './restart-policy.js';
import type { Live, Slot } from './slot.js';
import { refreshTools } from './tool-list.js';

/**
 * Starts the slot's server: after a crash or a failed start, first the restart policy (refuse with `RESTART_LIMIT`,
 * or wait out the backoff in `restarting`), then `starting`, the connection factory, and `ready` or `failed`.
 * @throws {UpstreamError} `RESTART_LIMIT`, `CLOSED`, or the start failure (`START_FAILED`, `CWD_MISSING`, …).
 */
export async function startServer(slot: Slot): Promise<Live> {
  const { runtime } = slot;
  if (slot.needsRestart) await awaitRestart(slot);

  slot.setState('starting');
  const live: Live = { connection: undefined, tools: undefined, intentional: false, end: undefined };
  let connection: Connection;
  try {
    connection = await openConnection(runtime.connect, slot.config, {
      clientInfo: runtime.clientInfo,
      timeoutMs: slot.tuning.startTimeoutMs,
      signal: runtime.lifetime,
      onStderr: (chunk) => {
        for (const line of slot.stderr.push(chunk)) {
          runtime.events.emit({ type: 'stderr', server: slot.name, line });
        }
      },
      onToolsChanged: () => refreshTools(slot, live),
      onClose: () => slot.connectionEnded(live),
      onTransportError: (error) =>
        runtime.logger.debug('upstream transport error', { server: slot.name, error: error.message }),
    });
  } catch (error) {
    const failure = startFailure(slot, error, {
      closing: slot.closing,
      timeoutMs: slot.tuning.startTimeoutMs,
    });
    if (failure.code !== 'CLOSED') {
      slot.recordFailure(failure);
      slot.setState('failed', { error: failure });
      runtime.logger.warn('upstream server failed to start', { server: slot.name, error: failure.message });
    }
    throw failure;
  }
  live.connection = connection;
  if (slot.closing) {
    live.intentional = true;
    await connection.close();
    throw closedError(slot.name);
  }
  slot.live = live;
  slot.needsRestart = false;
  slot.setState('ready', { pid: connection.pid });
  runtime.logger.info('upstream server ready', {
    server: slot.name,
    via: connection.kind,
    pid: connection.pid,
  });
  return live;
}

/** Refuses a restart beyond the policy's limit, else waits out the backoff and counts the restart. */
async function awaitRestart(slot: Slot): Promise<void> {
  const { restartPolicy, lifetime } = slot.runtime;
  const history = {
    restarts: slot.restartTimes,
    consecutiveFailures: slot.consecutiveFailures,
    lastFailureAt: slot.lastFailureAt,
  };
  const decision = decideRestart(restartPolicy, history, Date.now());
  if (!decision.allowed) {
    const error = restartLimitError(slot, {
      restartsInWindow: decision.restartsInWindow,
      windowMs: restartPolicy.windowMs,
      retryAfterMs: decision.retryAfterMs,
      lastError: slot.lastError,
    });
    slot.setState('failed', { error });
    throw error;
  }
  slot.setState('restarting');
  try {
    await sleep(decision.delayMs, undefined, { signal: lifetime });
  } catch {
    throw closedError(slot.name);
  }
  const now = Date.now();
  slot.restartTimes = [...slot.restartTimes.filter((at) => now - at < restartPolicy.windowMs), now];
  slot.restarts += 1;
}
