/**
 * The operator conformance suite: `runOperatorConformance` and its options.
 *
 * @module
 */
export { runOperatorConformance } from "./run.js";
export { FAST_ENGINE, LONG_JOB_MS, OPERATOR_NAMESPACE, operatorEngine } from "./timings.js";
export { defaultDesiredVersion, defaultReconciledVersion } from "./world.js";
export { SOAK_DEFAULTS, SOAK_LIFECYCLES, type SoakLifecycle } from "./soak.js";
export type {
  OperatorCluster,
  OperatorConformanceOptions,
  OperatorController,
  OperatorEnv,
  OperatorSoakFigures,
  OperatorSoakOptions,
  SoakEventLoopDelay,
} from "./types.js";
