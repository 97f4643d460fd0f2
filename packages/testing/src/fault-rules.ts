/**
 * The counting part every simulator's fault registry shares: rules that fire a number of
 * times (or forever), first match first, each with a handle that counts its firings and
 * removes it.
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

/** An ordered list of counted fault rules of one kind. */
export class FaultRules<T> {
  readonly #rules: CountedRule<T>[] = [];

  /** Adds a rule that fires `times` times; returns its handle. */
  add(value: T, times: number): CountedFaultHandle {
    const rule: CountedRule<T> = { value, times, fired: 0 };
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

  /** Fires the first rule with remaining times that `matches`; returns its value. */
  take(matches: (value: T) => boolean): T | undefined {
    const rule = this.#rules.find((r) => r.fired < r.times && matches(r.value));
    if (!rule) return undefined;
    rule.fired += 1;
    return rule.value;
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0;
  }
}
