/**
 * The counting part every simulator's fault registry shares: rules that fire a number of
 * times (or forever), first match first, each with a handle that counts its firings and
 * removes it. A rule may also fire at a rate: on each request it matches (while it has
 * firings left) it fires with probability `rate`, drawn from the simulator's seeded
 * pseudo-random generator, so that a run is the same given the seed and the same sequence
 * of requests.
 *
 * @module
 */

/** What `inject`-style calls return: the rule's firing count and a way to remove it. */
export interface CountedFaultHandle {
  /** How many times the rule fired so far. */
  readonly fired: number;
  /** Removes the rule (no-op if already removed or cleared). */
  remove(): void;
}

interface CountedRule<T> {
  readonly value: T;
  readonly times: number;
  readonly rate: number;
  fired: number;
}

/**
 * Checks a rule's `times`: a positive integer or `Infinity`.
 *
 * @param label - How the error names it (`fault rule times`, `fault times`).
 * @throws RangeError otherwise.
 */
export function checkFaultTimes(times: number, label: string): void {
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new RangeError(`${label} must be a positive integer or Infinity, got ${times}`);
  }
}

/**
 * Checks a rule's `rate`: a probability in (0, 1].
 *
 * @param label - How the error names it (`fault rule rate`).
 * @throws RangeError otherwise.
 */
export function checkFaultRate(rate: number, label: string): void {
  if (!(typeof rate === "number" && rate > 0 && rate <= 1)) {
    throw new RangeError(`${label} must be a number in (0, 1], got ${String(rate)}`);
  }
}

/**
 * Checks a fault seed: a safe integer.
 *
 * @throws RangeError otherwise.
 */
export function checkFaultSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`fault seed must be a safe integer, got ${String(seed)}`);
  }
}

/**
 * A simulator's seeded pseudo-random source for rate-based rules (mulberry32: 32 bits of
 * state, the same sequence for the same seed on every platform). Seed 0 unless reseeded.
 */
export class FaultRandom {
  #state = 0;

  /** @param seed - The initial seed (default 0). */
  constructor(seed = 0) {
    this.reseed(seed);
  }

  /** Restarts the sequence from `seed`. */
  reseed(seed: number): void {
    checkFaultSeed(seed);
    // Fold the high bits in, so that seeds differing only above bit 31 differ.
    this.#state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** An ordered list of counted fault rules of one kind. */
export class FaultRules<T> {
  readonly #rules: CountedRule<T>[] = [];
  readonly #random: FaultRandom;

  /** @param random - The simulator's seeded source for rate-based rules (default: its own, seed 0). */
  constructor(random: FaultRandom = new FaultRandom()) {
    this.#random = random;
  }

  /**
   * Adds a rule that fires `times` times (each time a matching request comes, or with
   * probability `rate` on each one); returns its handle.
   */
  add(value: T, times: number, rate = 1): CountedFaultHandle {
    const rule: CountedRule<T> = { value, times, rate, fired: 0 };
    const rules = this.#rules;
    rules.push(rule);
    return {
      get fired() {
        return rule.fired;
      },
      remove: () => {
        const index = rules.indexOf(rule);
        if (index >= 0) rules.splice(index, 1);
      },
    };
  }

  /**
   * Fires the first rule with remaining times that `matches` (and, for a rule with a rate,
   * whose draw comes out under its rate; a rule whose draw does not lets the next one be
   * tried); returns its value. A draw is made only for a matching rule with times left, so
   * the draws follow the sequence of requests.
   */
  take(matches: (value: T) => boolean): T | undefined {
    const rule = this.#rules.find(
      (r) => r.fired < r.times && matches(r.value) && (r.rate >= 1 || this.#random.next() < r.rate),
    );
    if (!rule) return undefined;
    rule.fired += 1;
    return rule.value;
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0;
  }
}
