export {
  DEFAULT_ENGINE_OPTIONS,
  resolveEngineOptions,
  type EngineOptions,
  type EngineOptionsInput,
  type SpecChangePolicy,
  type UnknownLaunchPolicy,
} from "./options.js";
export type {
  DecideInput,
  Decision,
  EngineAction,
  EngineEvent,
  FinalizerAction,
  LaunchResolution,
  ProviderDirectory,
} from "./types.js";
export { decide } from "./decide.js";
export { JobDurationEstimator, type JobDurationEstimatorOptions } from "./duration-estimator.js";
export {
  nextPollAt,
  pollContext,
  pollDelay,
  type PollContext,
  type PollInputs,
} from "./poll-policy.js";
export { execute, type ExecuteEnv, type StepOutcome } from "./execute.js";
export { providerSet, type ProviderSet } from "./providers.js";
export {
  reconcile,
  type PersistReason,
  type ReconcileArgs,
  type ReconcileResult,
} from "./reconcile.js";
export { summarize, type SummaryContext } from "./summary.js";
export type { Transition } from "./transition.js";
export {
  markTimedOut,
  recordCancelRequested,
  recordJobStatus,
  recordStatusError,
} from "./job-transitions.js";
export * from "./launch-transitions.js";
export {
  INVALID_STATUS_CODE,
  InvalidStatusError,
  boundStatus,
  parseProvisioningStatus,
} from "./status-check.js";
export {
  checkDeprovisionResult,
  checkFoundJob,
  checkProvisionResult,
  checkProvisionStatus,
} from "./validate.js";
