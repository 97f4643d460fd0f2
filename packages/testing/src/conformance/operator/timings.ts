/**
 * The operator suite's real-time timings and defaults.
 *
 * @module
 */
import type { EngineOptionsInput } from "@provisionkit/core";
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
