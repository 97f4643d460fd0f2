/**
 * The EDA simulator's public surface.
 *
 * @module
 */
export { EdaSimulator, type EdaSimulatorUrls } from "./simulator.js";
export type {
  EdaDropAfterAcceptRule,
  EdaFaultHandle,
  EdaFaults,
  EdaHeldRequest,
  EdaHoldRule,
  EdaQueueDelayRule,
  EdaWebhookFaultRule,
} from "./fault-types.js";
export { EXTERNAL_EFFECTS } from "./types.js";
export type {
  EdaAapAuth,
  EdaAapBasicAuth,
  EdaAapTokenAuth,
  EdaActivationOptions,
  EdaEventStreamDefinition,
  EdaHmacAlgorithm,
  EdaPlaybookEffects,
  EdaPlaybookOptions,
  EdaRule,
  EdaSignatureEncoding,
  EdaSimulatorOptions,
  EdaStreamAuth,
  EdaStreamBasicAuth,
  EdaStreamHmacAuth,
  EdaStreamTokenAuth,
  EdaTemplateKind,
  EdaWebhookHmacOptions,
  EdaWebhookOptions,
  EdaWriteBackFault,
  KubernetesConnection,
} from "./types.js";
export type {
  EdaActivationStatus,
  EdaEffectChange,
  EdaEffectOutcome,
  EdaEffectRecord,
  EdaEffectResource,
  EdaEventFate,
  EdaEventRecord,
  EdaEventStreamState,
  EdaLaunchedJob,
  EdaRequestRecord,
} from "./records.js";
