/**
 * Ready-made conformance backends for the AAP and EDA simulators.
 *
 * @module
 */
export {
  aapSimulatorBackend,
  type AapBackendEndpoint,
  type AapSimulatorBackendOptions,
} from "./aap.js";
export {
  edaSimulatorBackend,
  type EdaBackendEndpoint,
  type EdaBackendSimulatorOptions,
  type EdaSimulatorBackendOptions,
} from "./eda.js";
export type { AapRunOptions } from "./aap-run.js";
