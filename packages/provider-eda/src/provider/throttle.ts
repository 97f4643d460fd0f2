/**
 * A minimum interval between identical events, in memory: a guard against hot loops
 * (a controller bug, a flapping spec) that would otherwise flood EDA with events that
 * each launch a job.
 */
export class EventThrottle {
  readonly #intervalMs: number;
  readonly #last = new Map<string, number>();
  readonly #maxEntries: number;

  /**
   * @param intervalMs - the minimum interval; 0 disables the throttle.
   * @param maxEntries - entries kept at most (the oldest are dropped first).
   */
  constructor(intervalMs: number, maxEntries = 10_000) {
    this.#intervalMs = intervalMs;
    this.#maxEntries = maxEntries;
  }

  /** The milliseconds left before `key` may be sent again at `now`, or 0. */
  remaining(key: string, now: number): number {
    const last = this.#last.get(key);
    if (last === undefined || this.#intervalMs === 0) return 0;
    const left = last + this.#intervalMs - now;
    return left > 0 ? left : 0;
  }

  /** Records that `key` is being sent at `now`. */
  record(key: string, now: number): void {
    if (this.#intervalMs === 0) return;
    this.#last.delete(key);
    this.#last.set(key, now);
    for (const [k, at] of this.#last) {
      if (this.#last.size <= this.#maxEntries && at + this.#intervalMs > now) break;
      this.#last.delete(k);
    }
  }

  /** Forgets the send of `key` recorded at `at` (it surely did not arrive). */
  forget(key: string, at: number): void {
    if (this.#last.get(key) === at) this.#last.delete(key);
  }
}
