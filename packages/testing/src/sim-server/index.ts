/**
 * The standalone simulator server (`provisionkit-sim`): the simulators on loopback with a
 * versioned control API, for tests written in any language (docs/simulator-protocol.md).
 *
 * @module
 */
export {
  parseSimServerConfig,
  type SimAapConfig,
  type SimControlConfig,
  type SimEdaConfig,
  type SimJobScript,
  type SimKubernetesConfig,
  type SimServerConfig,
  type SimTemplateConfig,
  type SimTlsConfig,
} from "./config.js";
export {
  SimServerError,
  type SimErrorBody,
  type SimServerErrorCode,
  type SimServerErrorOptions,
} from "./errors.js";
export { type SimFaultEntry, type SimName } from "./control.js";
export {
  SIM_PROTOCOL,
  SimServer,
  type SimAapInfo,
  type SimEdaInfo,
  type SimKubernetesInfo,
  type SimServerInfo,
} from "./server.js";
