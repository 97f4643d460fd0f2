/**
 * Clocks for simulators: the system clock, and a virtual clock that tests move by hand so
 * that every timing assertion is exact and no test sleeps.
 *
 * @module
 */

/** A source of the current time. Simulators compute every time-dependent state from it. */
export interface Clock {
  /** The current time in epoch milliseconds. */
  now(): number;
}

/** The real wall clock (`Date.now()`). */
export const systemClock: Clock = {
  now: () => Date.now(),
};

/** The instant a {@link VirtualClock} starts at unless told otherwise: 2026-01-01T00:00:00Z. */
const DEFAULT_START_MS = Date.parse("2026-01-01T00:00:00.000Z");

/**
 * A clock that only moves when told to. It never goes backwards: simulators derive their
 * state lazily from the clock and rely on the past staying the past.
 */
export class VirtualClock implements Clock {
  #now: number;

  /**
   * @param startMs - The initial time in epoch milliseconds (default 2026-01-01T00:00:00Z).
   * @throws RangeError if `startMs` is not a finite number.
   */
  constructor(startMs: number = DEFAULT_START_MS) {
    if (!Number.isFinite(startMs)) throw new RangeError(`invalid start time: ${startMs}`);
    this.#now = startMs;
  }

  /** The current virtual time in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Moves the clock forward.
   *
   * @param ms - How far, in milliseconds; zero is allowed.
   * @throws RangeError if `ms` is negative or not finite.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance by ${ms} ms`);
    this.#now += ms;
  }

  /**
   * Sets the clock to an absolute instant, which must not be in the past.
   *
   * @param ms - The new time in epoch milliseconds.
   * @throws RangeError if `ms` is before the current time or not finite.
   */
  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < this.#now) {
      throw new RangeError(`cannot set the clock back from ${this.#now} to ${ms}`);
    }
    this.#now = ms;
  }
}
