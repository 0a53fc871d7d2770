/**
 * A timer that can be paused: a run's deadline and a tool call's stop counting while a person decides whether a
 * call may go ahead (the host's approval), and count on with what was left when the last pause ends.
 */
export class Deadline {
  readonly #onExpire: () => void;
  #remainingMs: number;
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #pauses = 0;
  #done = false;

  constructor(ms: number, onExpire: () => void) {
    this.#onExpire = onExpire;
    this.#remainingMs = ms;
    this.#arm();
  }

  /** Stops the clock until the returned function is called (pauses nest: the clock runs when none is left). */
  pause(): () => void {
    if (this.#done) return () => {};
    if (this.#pauses++ === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#remainingMs -= performance.now() - this.#startedAt;
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.#pauses === 0) this.#arm();
    };
  }

  /** Stops the timer for good. */
  clear(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#done) return;
    this.#startedAt = performance.now();
    this.#timer = setTimeout(
      () => {
        this.#done = true;
        this.#onExpire();
      },
      Math.max(0, this.#remainingMs),
    );
  }
}
