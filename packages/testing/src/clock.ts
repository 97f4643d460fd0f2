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

/** Options of {@link ScaledClock}. */
export interface ScaledClockOptions {
  /** How many simulated milliseconds pass per real millisecond (e.g. 100). Must be positive. */
  speedup: number;
  /** The simulated instant at the start. Default: the wall clock's time at construction. */
  startMs?: number;
  /** The real clock it follows. Default `Date.now`; injectable for tests. */
  wall?: () => number;
}

/**
 * A clock that runs `speedup` times faster than real time, for demos and measurements that
 * play minutes of simulated backend time in seconds while the rest of the stack (HTTP,
 * watches, timers) runs for real. Durations configured on a simulator driven by it are in
 * simulated time; timers of the code under test must be divided by `speedup` to match.
 */
export class ScaledClock implements Clock {
  /** Simulated milliseconds per real millisecond. */
  readonly speedup: number;
  readonly #wall: () => number;
  readonly #realStart: number;
  readonly #start: number;

  /**
   * @param options - the speed-up, start and real clock.
   * @throws RangeError if `speedup` is not a positive finite number.
   */
  constructor(options: ScaledClockOptions) {
    const { speedup } = options;
    if (!Number.isFinite(speedup) || speedup <= 0) {
      throw new RangeError(`speedup must be a positive number, got ${speedup}`);
    }
    this.speedup = speedup;
    this.#wall = options.wall ?? Date.now;
    this.#realStart = this.#wall();
    this.#start = options.startMs ?? this.#realStart;
  }

  /** The simulated time in epoch milliseconds. */
  now(): number {
    return this.#start + (this.#wall() - this.#realStart) * this.speedup;
  }

  /** A simulated duration expressed in real milliseconds (for timers of the code under test). */
  toReal(simulatedMs: number): number {
    return simulatedMs / this.speedup;
  }
}
