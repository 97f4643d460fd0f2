/**
 * Fault rules: matching requests to rules and counting firings.
 *
 * @module
 */
import { checkFaultTimes, FaultRules } from "../fault-rules.js";
import type { AapFaultAction, AapFaultHandle, AapFaultRule, AapFaults } from "./fault-types.js";
import type { Holds } from "./holds.js";
import type { AapOperation } from "./records.js";

interface ActiveRule {
  readonly operations: readonly AapOperation[] | undefined;
  readonly method: string | undefined;
  readonly action: AapFaultAction;
}

function validate(rule: AapFaultRule): void {
  checkFaultTimes(rule.times ?? 1, "fault rule times");
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
  readonly #rules = new FaultRules<ActiveRule>();
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
      action: structuredClone(rule.action),
    };
    return this.#rules.add(active, rule.times ?? 1);
  }

  /** {@inheritDoc AapFaults.clear} */
  clear(): void {
    this.#rules.clear();
  }

  /** {@inheritDoc AapFaults.release} */
  release(): void {
    this.#holds.releaseHung();
  }

  /** Fires the first matching rule with remaining times and returns its action. */
  match(operation: AapOperation | undefined, method: string): AapFaultAction | undefined {
    return this.#rules.take(
      (candidate) =>
        (candidate.method === undefined || candidate.method === method) &&
        (candidate.operations === undefined ||
          (operation !== undefined && candidate.operations.includes(operation))),
    )?.action;
  }
}
