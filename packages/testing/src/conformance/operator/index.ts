/**
 * The operator conformance suite: `runOperatorConformance` and its options.
 *
 * @module
 */
export { operatorScenarios, runOperatorConformance, runOperatorScenario } from "./run.js";
export type { OperatorScenario } from "./scenarios.js";
export { FAST_ENGINE, OPERATOR_NAMESPACE, defaultReconciledVersion } from "./world.js";
export type { OperatorConformanceOptions, OperatorController, OperatorEnv } from "./types.js";
