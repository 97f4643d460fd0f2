/**
 * The black-box operator suite: `runBlackBoxConformance` judges an operator in any language,
 * started as a process, from the AAP job ledger and its objects only.
 *
 * @module
 */
export { blackBoxScenarios, runBlackBoxConformance } from "./run.js";
export {
  PROVISIONKIT_STATUS_MAP,
  resolveStatusMap,
  StatusMapError,
  type ResolvedStatusMap,
} from "./status-map.js";
export type {
  BlackBoxAapOptions,
  BlackBoxConformanceOptions,
  BlackBoxEnv,
  BlackBoxOperatorCommand,
  BlackBoxScenarioInfo,
  StatusMap,
  StatusMapJob,
} from "./types.js";
