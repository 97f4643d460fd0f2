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
// Every fault type: the conflict, status and delay options, the handle and `KubeFaults`.
export type * from "./fault-types.js";
