/**
 * The Kubernetes API simulator's public surface.
 *
 * @module
 */
export { KubernetesApiSimulator } from "./simulator.js";
export { KubeStatusError } from "./status.js";
export type { KubeStatus, KubeStatusCause, KubeStatusDetails } from "./status.js";
export type {
  CrdDefinition,
  KubeObject,
  KubeObjectMeta,
  KubernetesApiSimulatorOptions,
  NewKubeObject,
  ObjectRef,
} from "./types.js";
export type { KubeFaultKind, KubeRequestRecord, KubeWriteVerb, WriteRecord } from "./records.js";
export type {
  KubeConflictFaultOptions,
  KubeDelayFaultOptions,
  KubeFaultHandle,
  KubeFaults,
  KubeStatusFaultOptions,
} from "./fault-types.js";
