import { setMaxListeners } from 'node:events';
import { onAbort } from '@codexec/internal';
import type { Logger } from './logger.js';
import type { ResolvedPoolOptions } from './pool-settings.js';
import type { ReadyContainer } from './runtime-container.js';

/** What the pool has done so far, and what it holds now. */
export interface PoolStatus {
  /** Configured size (0: no pool). */
  size: number;
  /** Containers started and waiting. */
  idle: number;
  /** Containers being started. */
  starting: number;
  /** Runs waiting for a container being started. */
  waiting: number;
  /** Names of every container the pool holds: idle, being started, or being removed. */
  containers: string[];
  /** Runs that got a container from the pool. */
  served: number;
  /** Runs that started their own container (no pool, or the pool could not help: empty in back-off, closed). */
  cold: number;
  /** Pooled containers found dead or unresponsive before they were handed out, and removed. */
  discarded: number;
  /** Containers removed for waiting longer than `maxIdleMs`. */
  retired: number;
  /** Starts that failed (engine trouble); the pool backs off after each. */
  failedStarts: number;
  /** Milliseconds left of the current back-off after a failure (0 when none). */
  backoffMs: number;
}

export interface WarmPoolOptions extends ResolvedPoolOptions {
  /** A fresh container: its id and its name. */
  nextContainer: () => { id: string; name: string };
  /** Starts that container and waits for its hello. */
  start: (id: string, signal: AbortSignal) => Promise<ReadyContainer>;
  logger: Logger;
  /** How long a health-check ping may take before the container counts as dead. */
  pingTimeoutMs?: number;
  /** First back-off after a failed start; doubles per consecutive failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface Idle {
  ready: ReadyContainer;
  dead: boolean;
  since: number;
  timer: NodeJS.Timeout;
}

interface Waiter {
  resolve: (entry: Idle | undefined) => void;
}

const PING_TIMEOUT_MS = 2000;
/**
 * Starting a container blocks the event loop for tens of milliseconds (the engine client is forked), so a refill
 * after a hand-out waits until the run that took the container is over (`refill()`), or this long at most.
 */
const REFILL_DELAY_MS = 250;
/** Unhealthy containers one `acquire` throws away before it lets the run start its own. */
const MAX_DISCARDS_PER_ACQUIRE = 3;

/**
 * Pre-started containers waiting for their first `execute`. Each container serves one run and is then removed by
 * its run; the pool only starts, keeps, checks and removes containers nobody has taken yet.
 *
 * `acquire` hands out the freshest idle container that passes a health check (channel open, a `ping` answered,
 * and its engine client process running at the instant of the hand-out: `ReadyContainer.alive()`); with none idle
 * it waits for a start in progress, or starts one, at most `maxStarts` at once; when the pool cannot help (closed,
 * or backing off after the engine failed) it answers `undefined` and the caller starts its own container, which
 * then reports the engine's error as a run result. After every hand-out the pool refills in the background. A
 * container idle for `maxIdleMs` is removed and not replaced until the next `acquire`, so an idle host holds no
 * containers.
 */
export class WarmPool {
  readonly #options: WarmPoolOptions;
  readonly #logger: Logger;
  readonly #idle: Idle[] = [];
  readonly #starting = new Map<Promise<void>, string>();
  readonly #removing = new Set<Promise<void>>();
  readonly #names = new Map<Promise<void>, string>();
  readonly #waiters: Waiter[] = [];
  readonly #abort = new AbortController();
  #closed = false;
  /** False after a retirement for idleness: nothing is refilled until a run asks again. */
  #wanted = true;
  #failures = 0;
  #backoffUntil = 0;
  #backoffTimer: NodeJS.Timeout | undefined;
  #refillTimer: NodeJS.Timeout | undefined;
  readonly #counts = { served: 0, cold: 0, discarded: 0, retired: 0, failedStarts: 0 };

  constructor(options: WarmPoolOptions) {
    this.#options = options;
    this.#logger = options.logger;
    // Every start in progress listens to it.
    setMaxListeners(0, this.#abort.signal);
    this.#pump();
  }

  status(): PoolStatus {
    return {
      size: this.#options.size,
      idle: this.#idle.length,
      starting: this.#starting.size,
      waiting: this.#waiters.length,
      containers: [
        ...this.#idle.map((entry) => entry.ready.name),
        ...this.#starting.values(),
        ...this.#names.values(),
      ],
      ...this.#counts,
      backoffMs: Math.max(0, this.#backoffUntil - Date.now()),
    };
  }

  /**
   * A healthy started container for one run, or undefined when the caller should start its own. Resolves
   * undefined at once when `signal` is aborted.
   */
  async acquire(signal: AbortSignal): Promise<ReadyContainer | undefined> {
    this.#wanted = true;
    for (let discards = 0; discards < MAX_DISCARDS_PER_ACQUIRE; discards += 1) {
      if (this.#closed || signal.aborted) break;
      let entry = this.#idle.pop();
      if (entry) {
        clearTimeout(entry.timer);
        this.#scheduleRefill();
      } else {
        if (this.#backingOff()) break;
        entry = await this.#wait(signal);
        if (!entry) break;
      }
      if (await this.#healthy(entry)) return this.#serve(entry.ready);
    }
    return this.#cold();
  }

  /** Starts what the pool lacks now: the caller's run is over, so a start no longer delays it. */
  refill(): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
    this.#pump();
  }

  #scheduleRefill(): void {
    if (this.#refillTimer) return;
    this.#refillTimer = setTimeout(() => this.refill(), REFILL_DELAY_MS);
    this.#refillTimer.unref();
  }

  /** Removes every container the pool holds, and any being started; later `acquire`s answer undefined. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort(new Error('the sandbox was closed'));
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#refillTimer);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(undefined);
    for (const entry of this.#idle.splice(0)) {
      clearTimeout(entry.timer);
      this.#remove(entry.ready);
    }
    while (this.#starting.size || this.#removing.size) {
      await Promise.allSettled([...this.#starting.keys(), ...this.#removing]);
    }
  }

  #serve(ready: ReadyContainer): ReadyContainer {
    this.#counts.served += 1;
    this.#logger.debug('pool: container handed out', { name: ready.name, idle: this.#idle.length });
    return ready;
  }

  #cold(): undefined {
    this.#counts.cold += 1;
    return undefined;
  }

  #backingOff(): boolean {
    return Date.now() < this.#backoffUntil;
  }

  #wait(signal: AbortSignal): Promise<Idle | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve: (entry) => {
          detach();
          resolve(entry);
        },
      };
      const detach = onAbort(signal, () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(undefined);
      });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  async #healthy(entry: Idle): Promise<boolean> {
    const { ready } = entry;
    // First the engine client: over the direct channel a container whose client is gone still answers a ping.
    let healthy = !entry.dead && ready.alive();
    if (healthy) {
      try {
        await ready.channel.request(
          'ping',
          {},
          { timeoutMs: this.#options.pingTimeoutMs ?? PING_TIMEOUT_MS },
        );
      } catch (error) {
        this.#logger.debug('pool: a container did not answer its ping', {
          name: ready.name,
          error: String(error),
        });
        healthy = false;
      }
    }
    // Then again, as the last thing before the hand-out: the ping awaited, and the client may have died meanwhile.
    // This cannot race: `alive()` reads the client's state from the kernel synchronously, so an exit not yet
    // delivered to the event loop (a killed client, a zombie) cannot fool it. A client that dies after this check
    // dies during the run, which ends like any container death (`exited`) and removes the container.
    if (healthy && !entry.dead && ready.alive()) return true;
    this.#counts.discarded += 1;
    this.#logger.info('pool: removed a warm container that had died', { name: ready.name });
    this.#remove(ready);
    return false;
  }

  /** Hands idle containers to waiters, then starts what waiters and the pool's size need, within `maxStarts`. */
  #pump(): void {
    if (this.#closed) return;
    while (this.#waiters.length && this.#idle.length) {
      const entry = this.#idle.pop()!;
      clearTimeout(entry.timer);
      this.#waiters.shift()!.resolve(entry);
    }
    if (this.#backingOff()) {
      // A run that waits gets nothing from a pool in back-off: it starts its own container.
      for (const waiter of this.#waiters.splice(0)) waiter.resolve(undefined);
      return;
    }
    const refill = this.#wanted ? Math.max(0, this.#options.size - this.#idle.length) : 0;
    const wanted = this.#waiters.length + refill;
    while (this.#starting.size < Math.min(wanted, this.#options.maxStarts)) this.#startOne();
  }

  #startOne(): void {
    const { id, name } = this.#options.nextContainer();
    const task = (async () => {
      let ready: ReadyContainer;
      try {
        ready = await this.#options.start(id, this.#abort.signal);
      } catch (error) {
        if (this.#closed) return;
        this.#failed(error instanceof Error ? error.message : String(error), true);
        return;
      }
      if (this.#closed) {
        this.#remove(ready);
        return;
      }
      this.#failures = 0;
      const entry: Idle = {
        ready,
        dead: false,
        since: Date.now(),
        timer: setTimeout(() => this.#retire(entry), this.#options.maxIdleMs),
      };
      entry.timer.unref();
      const died = (): void => {
        if (entry.dead) return;
        entry.dead = true;
        const index = this.#idle.indexOf(entry);
        if (index < 0) return; // handed out: its run deals with it
        this.#idle.splice(index, 1);
        clearTimeout(entry.timer);
        this.#counts.discarded += 1;
        this.#logger.info('pool: a warm container died while waiting', { name: ready.name });
        this.#remove(ready);
        // Containers that die as soon as they are started must not be replaced in a tight loop.
        this.#failed(`the warm container ${ready.name} died while waiting`, false);
      };
      void ready.container.exited.then(died);
      void ready.channel.closed.then(died);
      this.#idle.push(entry);
      this.#logger.debug('pool: container ready', {
        name: ready.name,
        startupMs: ready.startupMs,
        idle: this.#idle.length,
      });
    })();
    this.#starting.set(task, name);
    void task.finally(() => {
      this.#starting.delete(task);
      this.#pump();
      if (!this.#closed && this.#idle.length >= this.#options.size && this.#starting.size === 0) {
        this.#logger.debug('pool: full', { idle: this.#idle.length });
      }
    });
  }

  /** Backs off refilling after a failed start (or a container that died waiting), doubling per failure in a row. */
  #failed(message: string, start: boolean): void {
    this.#failures += 1;
    if (start) this.#counts.failedStarts += 1;
    const base = this.#options.backoffMs ?? 1000;
    const delay = Math.min(base * 2 ** (this.#failures - 1), this.#options.maxBackoffMs ?? 60_000);
    this.#backoffUntil = Date.now() + delay;
    (start ? this.#logger.warn : this.#logger.debug)(
      'pool: refilling paused; runs start their own meanwhile',
      {
        error: message,
        retryInMs: delay,
      },
    );
    this.#wakeAfterBackoff();
    this.#pump();
  }

  /**
   * Pumps once the back-off is over. A timer measures from the event loop's cached clock, which lags `Date.now()`
   * by however long the loop has been busy (a fork of the engine client takes tens of milliseconds): it can fire
   * while `#backingOff()` still holds, and the pump would then do nothing and nothing would wake it again.
   */
  #wakeAfterBackoff(): void {
    clearTimeout(this.#backoffTimer);
    this.#backoffTimer = setTimeout(
      () => {
        if (this.#backingOff()) this.#wakeAfterBackoff();
        else this.#pump();
      },
      Math.max(1, this.#backoffUntil - Date.now()),
    );
    this.#backoffTimer.unref();
  }

  #retire(entry: Idle): void {
    const index = this.#idle.indexOf(entry);
    if (index < 0) return;
    this.#idle.splice(index, 1);
    this.#counts.retired += 1;
    // Nothing is refilled until a run asks again: an idle host keeps no containers.
    this.#wanted = false;
    this.#logger.debug('pool: removed a container that waited too long', {
      name: entry.ready.name,
      idleMs: Date.now() - entry.since,
    });
    this.#remove(entry.ready);
  }

  #remove(ready: ReadyContainer): void {
    const removal = ready.stop();
    this.#removing.add(removal);
    this.#names.set(removal, ready.name);
    void removal.finally(() => {
      this.#removing.delete(removal);
      this.#names.delete(removal);
    });
  }
}
