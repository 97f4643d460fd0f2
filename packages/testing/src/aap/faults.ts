/**
 * Fault rules: matching requests to rules and counting firings.
 *
 * @module
 */
import { checkFaultRate, checkFaultTimes, FaultRandom, FaultRules } from "../fault-rules.js";
import type {
  AapFaultAction,
  AapFaultHandle,
  AapFaultRule,
  AapFaults,
  AapHeldRequest,
} from "./fault-types.js";
import type { HeldRequests } from "../held-requests.js";
import type { AapOperation } from "./records.js";

interface ActiveRule {
  readonly operations: readonly AapOperation[] | undefined;
  readonly method: string | undefined;
  readonly action: AapFaultAction;
}

/** A rule's `times`: 1 unless given, or `Infinity` for a rule with a rate. */
function timesOf(rule: AapFaultRule): number {
  return rule.times ?? (rule.rate === undefined ? 1 : Infinity);
}

function validate(rule: AapFaultRule): void {
  checkFaultTimes(timesOf(rule), "fault rule times");
  if (rule.rate !== undefined) checkFaultRate(rule.rate, "fault rule rate");
  const { action } = rule;
  if (action.type === "delay" && !(Number.isFinite(action.ms) && action.ms >= 0)) {
    throw new RangeError(`delay fault needs ms >= 0, got ${action.ms}`);
  }
  if (action.type === "rate-limit" && !(action.retryAfterSeconds >= 0)) {
    throw new RangeError(`rate-limit fault needs retryAfterSeconds >= 0`);
  }
  if (
    action.type === "hang" &&
    action.release !== undefined &&
    action.release !== "process" &&
    action.release !== "abandon"
  ) {
    throw new RangeError(`hang fault release must be "process" or "abandon"`);
  }
  if (action.type === "status" && !(action.status >= 100 && action.status <= 599)) {
    throw new RangeError(`status fault needs an HTTP status, got ${action.status}`);
  }
}

/** The fault rules of one simulator. */
export class FaultRegistry implements AapFaults {
  readonly #random = new FaultRandom();
  readonly #rules = new FaultRules<ActiveRule>(this.#random);
  readonly #holds: HeldRequests<AapHeldRequest>;

  /** @param holds - The held requests that {@link FaultRegistry.release} releases. */
  constructor(holds: HeldRequests<AapHeldRequest>) {
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
    return this.#rules.add(active, timesOf(rule), rule.rate);
  }

  /** {@inheritDoc AapFaults.seed} */
  seed(seed: number): void {
    this.#random.reseed(seed);
  }

  /** {@inheritDoc AapFaults.clear} */
  clear(): void {
    this.#rules.clear();
  }

  /** {@inheritDoc AapFaults.release} */
  release(): void {
    this.#holds.releaseAll();
  }

  /** {@inheritDoc AapFaults.onHold} */
  onHold(listener: (held: AapHeldRequest) => void): () => void {
    return this.#holds.onHold(listener);
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
