import { onAbort } from '@codexec/internal';
import { SandboxError } from './errors.js';
import { type Session, type SessionHost, SessionImpl, type SessionOptions } from './session.js';

/**
 * Every session of a sandbox, and the cap on those holding a container. Sessions are opened without a container;
 * the first run takes one (from the warm pool when there is one) and keeps it until the session is closed, reset,
 * idle too long, evicted for a newer one, or the container dies.
 */
export class SessionRegistry {
  readonly #host: SessionHost;
  readonly #sessions = new Set<SessionImpl>();
  /** Sessions holding a container or taking one. */
  readonly #live = new Set<SessionImpl>();
  readonly #waiters = new Set<() => void>();
  #counter = 0;

  constructor(host: SessionHost) {
    this.#host = host;
  }

  open(options: SessionOptions = {}): Session {
    if (this.#host.closing.aborted) {
      throw new SandboxError('CLOSED', 'This sandbox was closed: create a new one with createSandbox()');
    }
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new SandboxError('INVALID_OPTIONS', 'openSession() takes `name` as a string');
    }
    this.#counter += 1;
    const session = new SessionImpl(
      this,
      this.#host,
      `s${this.#counter}-${Date.now().toString(36)}`,
      options,
    );
    this.#sessions.add(session);
    return session;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Sessions holding a container now. */
  get live(): number {
    return this.#live.size;
  }

  forget(session: SessionImpl): void {
    this.#sessions.delete(session);
    this.leave(session);
  }

  leave(session: SessionImpl): void {
    if (this.#live.delete(session)) this.#wake();
  }

  idleChanged(): void {
    this.#wake();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
    this.#host.released();
  }

  /**
   * A place among the live sessions: at once when there is room; else the least recently used idle session gives
   * its container up; else waits for one to become idle, at most `waitMs`. False when it gave up or was aborted.
   */
  async enter(session: SessionImpl, signal: AbortSignal, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (signal.aborted) return false;
      if (this.#live.has(session) || this.#live.size < this.#host.limits.max) {
        this.#live.add(session);
        return true;
      }
      const idle = [...this.#live].filter((other) => !other.busy).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle) {
        await idle.giveUp(
          `the session was closed to make room for another (at most ${this.#host.limits.max} sessions hold a container at once)`,
        );
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          detach();
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        const detach = onAbort(signal, done);
        this.#waiters.add(done);
      });
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#sessions].map((session) => session.close()));
  }
}
