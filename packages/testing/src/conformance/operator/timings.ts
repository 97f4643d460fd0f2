/**
 * The operator suite's real-time timings and defaults.
 *
 * @module
 */
import type { BackoffPolicy, EngineOptionsInput } from "@provisionkit/core";
import { DEFAULT_NAMESPACE } from "./cluster.js";

/** Real-time duration of a job unless scripted, ms. */
export const JOB_MS = 200;
/** Real-time delay of a cancel, ms. */
export const CANCEL_MS = 50;
/** The namespace of the operator scenarios' objects unless `cluster.namespace` names one. */
export const OPERATOR_NAMESPACE = DEFAULT_NAMESPACE;

/** Fast engine timings handed to the operator factory (`env.engine`). */
export const FAST_ENGINE: EngineOptionsInput = Object.freeze({
  pollIntervalMs: 20,
  pendingLaunchGraceMs: 300,
  provisionBackoff: { initialMs: 100, maxMs: 1000 },
  deprovisionBackoff: { initialMs: 100, maxMs: 1000 },
  errorBackoff: { initialMs: 50, maxMs: 500 },
});

/** A provision job longer than any job timeout written in the wrong unit (3 600 "seconds"), ms. */
export const LONG_JOB_MS = 4_000;

const BACKOFFS = ["provisionBackoff", "deprovisionBackoff", "errorBackoff"] as const;

/**
 * `env.engine`: the user's engine options over {@link FAST_ENGINE}, each backoff merged
 * member by member (a user's `{ factor: 1.2 }` keeps the fast `initialMs`).
 */
export function operatorEngine(user: EngineOptionsInput = {}): EngineOptionsInput {
  const merged: EngineOptionsInput = { ...FAST_ENGINE, ...user };
  for (const name of BACKOFFS) {
    const fast: Partial<BackoffPolicy> | undefined = FAST_ENGINE[name];
    const mine: Partial<BackoffPolicy> | undefined = user[name];
    if (fast || mine) merged[name] = { ...fast, ...definedMembers(mine) };
  }
  return merged;
}

function definedMembers<T extends object>(partial: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(partial ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
