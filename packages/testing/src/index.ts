/**
 * Simulators and conformance suites for provisionkit providers and operators.
 *
 * @packageDocumentation
 */
export {
  ScaledClock,
  systemClock,
  VirtualClock,
  type Clock,
  type ScaledClockOptions,
} from "./clock.js";
export * from "./aap/index.js";
export * from "./kubernetes/index.js";
export * from "./eda/index.js";
export * from "./conformance/index.js";
export * from "./http/index.js";
export * from "./sim-server/index.js";
export { errorSurfaces, findSecretLeaks, secretForms, secretNeedles } from "./secret-canary.js";
export {
  driveEngine,
  type AdvancingClock,
  type DriveEngineOptions,
  type EngineState,
} from "./engine-loop.js";
