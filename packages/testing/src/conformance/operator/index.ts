/**
 * The operator conformance suite: `runOperatorConformance` and its options.
 *
 * @module
 */
export { runOperatorConformance } from "./run.js";
export { FAST_ENGINE, OPERATOR_NAMESPACE } from "./timings.js";
export { defaultReconciledVersion } from "./world.js";
export type {
  OperatorCluster,
  OperatorConformanceOptions,
  OperatorController,
  OperatorEnv,
} from "./types.js";
