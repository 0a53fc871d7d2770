/**
 * The change history a watch is served from: every change of a kind of object (pods) gets the next revision, as
 * etcd gives the API server one, and the last `keep` changes are kept for watches that start in the past. Pure.
 */

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change<T> {
  revision: number;
  type: ChangeType;
  object: T;
}

export class EventLog<T> {
  private readonly changes: Change<T>[] = [];
  private readonly listeners = new Set<(change: Change<T>) => void>();
  private current = 0;
  /** The revision of the last change dropped from the history: a watch from before it has missed changes. */
  private dropped = 0;

  constructor(private readonly keep: number) {}

  /** The revision of the last change, what a list answers with. */
  get revision(): number {
    return this.current;
  }

  /** Records a change; `make` builds the object as it is at the new revision. */
  record(type: ChangeType, make: (revision: number) => T): Change<T> {
    this.current += 1;
    const change = { revision: this.current, type, object: make(this.current) };
    this.changes.push(change);
    while (this.changes.length > this.keep) this.dropped = this.changes.shift()!.revision;
    for (const listener of this.listeners) listener(change);
    return change;
  }

  /** The changes after `revision`, or `expired` when some of them are no longer kept (a 410 Gone). */
  since(revision: number): Change<T>[] | 'expired' {
    if (revision < this.dropped) return 'expired';
    return this.changes.filter((change) => change.revision > revision);
  }

  /** The oldest revision a watch may still start from. */
  get oldest(): number {
    return this.dropped;
  }

  /** Calls `listener` with every change from now on; returns the unsubscribe. */
  subscribe(listener: (change: Change<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
