/**
 * The rate-based faults a soak asks the ready-made simulator backends for: one seeded rule
 * per fault kind on the simulators behind the provider, each firing at an equal share of the
 * plan's rate, and a tally of what fired.
 *
 * @module
 */
import type { AapFaultAction, AapFaultRule, AapFaults } from "../../aap/fault-types.js";
import type { EdaFaults } from "../../eda/fault-types.js";
import type { CountedFaultHandle } from "../../fault-rules.js";
import type { BackendFaultPlan, InjectedFaults } from "../types.js";

/** A fault kind of a plan: its report name and how to add its rule at a rate. */
export interface FaultKind {
  /** The name the soak's figures count it under, e.g. `aap-reset`. */
  readonly name: string;
  /** Adds the kind's rule at `rate` (a share of the plan's), returns its handle. */
  readonly add: (rate: number) => CountedFaultHandle;
}

/**
 * Adds every kind's rule at an equal share of `rate` (each fires on a matching request with
 * probability `rate / kinds`, so about `rate` of the requests all kinds match are faulted);
 * nothing for a rate of 0.
 */
export function injectKinds(kinds: readonly FaultKind[], rate: number): InjectedFaults {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be in [0, 1], got ${rate}`);
  const handles =
    rate === 0
      ? []
      : kinds.map((kind) => ({ name: kind.name, handle: kind.add(rate / kinds.length) }));
  return {
    counts: () => Object.fromEntries(handles.map(({ name, handle }) => [name, handle.fired])),
    remove: () => {
      for (const { handle } of handles) handle.remove();
    },
  };
}

/**
 * The AAP Controller faults of a soak, on every request unless said otherwise:
 * - `aap-5xx`: 500 with AWX's own body (`{"detail": "A server error has occurred."}`);
 * - `aap-reset`: the connection is destroyed before anything happened;
 * - `aap-lost-answer`: a launch POST is carried out (its job exists) and its connection
 *   destroyed (`drop-after-accept`);
 * - `aap-slow`: the request is carried out `slowAnswerMs` after it arrived and answered then
 *   (longer than the provider client's timeout: it gave up, the work is done);
 * - `aap-429`: 429 with `Retry-After: 1`, unprocessed.
 * `launches: false` leaves `aap-lost-answer` out (no provider launches over HTTP).
 */
export function aapFaultKinds(
  faults: AapFaults,
  plan: BackendFaultPlan,
  launches = true,
): FaultKind[] {
  const rule =
    (action: AapFaultAction, extra: Partial<AapFaultRule> = {}) =>
    (rate: number): CountedFaultHandle =>
      faults.inject({ ...extra, rate, times: Infinity, action });
  const kinds: FaultKind[] = [
    { name: "aap-5xx", add: rule({ type: "status", status: 500 }) },
    { name: "aap-reset", add: rule({ type: "reset" }) },
    { name: "aap-slow", add: rule({ type: "delay", ms: plan.slowAnswerMs }) },
    { name: "aap-429", add: rule({ type: "rate-limit", retryAfterSeconds: 1 }) },
  ];
  if (launches) {
    kinds.push({
      name: "aap-lost-answer",
      add: rule({ type: "drop-after-accept" }, { operation: "launch", method: "POST" }),
    });
  }
  faults.seed(plan.seed);
  return kinds;
}

/**
 * The EDA webhook faults of a soak, on event POSTs: `eda-5xx` (503, as a route or proxy in
 * front of an overloaded source answers) and `eda-429` (429 with `Retry-After: 1`); a
 * faulted event is never queued.
 */
export function edaFaultKinds(faults: EdaFaults, plan: BackendFaultPlan): FaultKind[] {
  faults.seed(plan.seed);
  return [
    { name: "eda-5xx", add: (rate) => faults.webhook({ status: 503, rate }) },
    {
      name: "eda-429",
      add: (rate) => faults.webhook({ status: 429, headers: { "Retry-After": "1" }, rate }),
    },
  ];
}
