/**
 * The provider conformance suite: the backend harness interface, the reference memory
 * backend, `runConformance` and its report.
 *
 * @module
 */
export * from "./types.js";
export {
  MemoryBackend,
  type MemoryBackendOptions,
  type MemoryRequestKind,
  type MemoryRequests,
} from "./memory/backend.js";
export {
  MemoryBackendFault,
  type MemoryJob,
  type MemoryLaunch,
  type MemoryProviderOptions,
} from "./memory/model.js";
export { MemoryProvider } from "./memory/provider.js";
export { memoryBackend, type MemoryConformanceOptions } from "./memory/harness.js";
export {
  CONFORMANCE_FINALIZER,
  CONFORMANCE_NAMESPACE,
  CONFORMANCE_RESOURCE,
  type Liveness,
} from "./driver/world.js";
export { DEFAULT_CALL_DEADLINE_MS, type AfterAbort, type LateCall } from "./driver/deadline.js";
export { CRASH_POINTS, type CrashPoint } from "./driver/crash.js";
export {
  detectCapabilities,
  providerScenarios,
  runConformance,
  type ConformanceOptions,
  type ConformanceProgressEvent,
} from "./runner.js";
export type {
  ConformanceScenario,
  ScenarioEnv,
  ScenarioNeeds,
  ScenarioOutcome,
} from "./scenarios/scenario.js";
export {
  formatReport,
  formatScenarioFailure,
  formatSoakFigures,
  formatTimeline,
} from "./format.js";
export * from "./backends/index.js";
export * from "./operator/index.js";
export * from "./blackbox/index.js";
