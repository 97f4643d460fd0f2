/**
 * Fault rules: matching requests to rules and counting firings.
 *
 * @module
 */
import type { AapFaultAction, AapFaultHandle, AapFaultRule, AapFaults } from "./fault-types.js";
import type { Holds } from "./holds.js";
import type { AapOperation } from "./records.js";

interface ActiveRule {
  readonly operations: readonly AapOperation[] | undefined;
  readonly method: string | undefined;
  readonly times: number;
  readonly action: AapFaultAction;
  fired: number;
}

function validate(rule: AapFaultRule): void {
  const times = rule.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new RangeError(`fault rule times must be a positive integer or Infinity, got ${times}`);
  }
  const { action } = rule;
  if (action.type === "delay" && !(Number.isFinite(action.ms) && action.ms >= 0)) {
    throw new RangeError(`delay fault needs ms >= 0, got ${action.ms}`);
  }
  if (action.type === "rate-limit" && !(action.retryAfterSeconds >= 0)) {
    throw new RangeError(`rate-limit fault needs retryAfterSeconds >= 0`);
  }
  if (action.type === "status" && !(action.status >= 100 && action.status <= 599)) {
    throw new RangeError(`status fault needs an HTTP status, got ${action.status}`);
  }
}

/** The fault rules of one simulator. */
export class FaultRegistry implements AapFaults {
  readonly #rules: ActiveRule[] = [];
  readonly #holds: Holds;

  /** @param holds - The held requests that {@link FaultRegistry.release} releases. */
  constructor(holds: Holds) {
    this.#holds = holds;
  }

  /** {@inheritDoc AapFaults.inject} */
  inject(rule: AapFaultRule): AapFaultHandle {
    validate(rule);
    const operations =
      rule.operation === undefined
        ? undefined
        : Array.isArray(rule.operation)
          ? [...rule.operation]
          : [rule.operation];
    const active: ActiveRule = {
      operations,
      method: rule.method?.toUpperCase(),
      times: rule.times ?? 1,
      action: structuredClone(rule.action),
      fired: 0,
    };
    this.#rules.push(active);
    return {
      get fired() {
        return active.fired;
      },
      remove: () => {
        const index = this.#rules.indexOf(active);
        if (index >= 0) this.#rules.splice(index, 1);
      },
    };
  }

  /** {@inheritDoc AapFaults.clear} */
  clear(): void {
    this.#rules.length = 0;
  }

  /** {@inheritDoc AapFaults.release} */
  release(): void {
    this.#holds.releaseHung();
  }

  /** Fires the first matching rule with remaining times and returns its action. */
  match(operation: AapOperation | undefined, method: string): AapFaultAction | undefined {
    const rule = this.#rules.find(
      (candidate) =>
        candidate.fired < candidate.times &&
        (candidate.method === undefined || candidate.method === method) &&
        (candidate.operations === undefined ||
          (operation !== undefined && candidate.operations.includes(operation))),
    );
    if (!rule) return undefined;
    rule.fired += 1;
    return rule.action;
  }
}
