import type { Sandbox, Session } from '@codexec/sandbox';
import type { Logger } from './logger.js';

/** Named sessions one connection may hold; past it the least recently used idle one is closed. */
const MAX_NAMED_SESSIONS = 32;

/** The named sessions of each client connection: opened on first use, closed with the connection. */
export class ConnectionSessions {
  readonly #connections = new Map<string, Map<string, Session>>();

  constructor(private readonly logger: Logger) {}

  /** The session a run of this connection names, opened on first use. */
  sessionFor(box: Sandbox, connection: string, name: string): Session {
    let sessions = this.#connections.get(connection);
    if (!sessions) {
      sessions = new Map();
      this.#connections.set(connection, sessions);
    }
    let session = sessions.get(name);
    if (!session) {
      if (sessions.size >= MAX_NAMED_SESSIONS) {
        // A client that keeps inventing names gives up its least recently used idle one.
        const idle = [...sessions.entries()]
          .filter(([, s]) => !s.info().busy)
          .sort(([, a], [, b]) => a.info().lastUsedAt.getTime() - b.info().lastUsedAt.getTime())[0];
        if (idle) {
          sessions.delete(idle[0]);
          void idle[1].close();
        }
      }
      session = box.openSession({ name });
      sessions.set(name, session);
      this.logger.debug('session opened', { session: name, id: session.id });
    }
    return session;
  }

  /** Every open session, for the console: its name, runs, whether it runs now and holds a container. */
  describe(): { name: string; runs: number; busy: boolean; container: boolean; lastUsedAt: string }[] {
    return [...this.#connections.values()].flatMap((sessions) =>
      [...sessions.entries()].map(([name, session]) => {
        const info = session.info();
        return {
          name,
          runs: info.runs,
          busy: info.busy,
          container: info.container !== undefined,
          lastUsedAt: info.lastUsedAt.toISOString(),
        };
      }),
    );
  }

  /** Sessions open now, over every connection. */
  live(): number {
    let count = 0;
    for (const sessions of this.#connections.values()) count += sessions.size;
    return count;
  }

  /** Closes the sessions of a connection that ended. */
  async close(connection: string): Promise<void> {
    const sessions = this.#connections.get(connection);
    this.#connections.delete(connection);
    if (!sessions) return;
    await Promise.allSettled([...sessions.values()].map((session) => session.close()));
    this.logger.debug('sessions of a connection closed', { count: sessions.size });
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#connections.keys()].map((connection) => this.close(connection)));
  }
}
