/**
 * How a scenario ends other than by passing: a goal not reached (a violation), or a scenario
 * that cannot be played with this provider (skipped).
 *
 * @module
 */
import type { RuleId } from "../types.js";

/** A goal not reached in time: becomes a violation of `rule`. */
export class GoalTimeout extends Error {
  /**
   * @param rule - the rule the goal is about.
   * @param message - what was awaited and what was seen instead (without the rule id).
   */
  constructor(
    readonly rule: RuleId,
    message: string,
  ) {
    super(message);
    this.name = "GoalTimeout";
  }
}

/** Thrown by a scenario that finds out while running that it cannot be played: reported as skipped. */
export class ScenarioSkipped extends Error {
  /** @param reason - why, for the report. */
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ScenarioSkipped";
  }
}

/** A provider call missed its deadline (L1): the scenario stops, the call is reported. */
export class CallLate extends Error {
  /** @param method - the provider method that missed its deadline. */
  constructor(readonly method: string) {
    super(`the provider's ${method} missed its deadline (L1)`);
    this.name = "CallLate";
  }
}
