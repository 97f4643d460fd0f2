/**
 * The Kubernetes controller runtime of provisionkit: watches a custom resource with
 * `@kubernetes/client-node` informers and drives the lifecycle engine for each object.
 * Needs the optional peer dependency `@kubernetes/client-node` 1.x.
 *
 * @module kubernetes
 */
export { ProvisioningController } from "./controller.js";
export {
  LAUNCH_RESOLUTION_ANNOTATION,
  OBSERVE_ONLY_ANNOTATION,
  PAUSE_ANNOTATION,
  type ProvisioningControllerOptions,
} from "./options.js";
export type {
  ControllerMetrics,
  KubeRequestLabels,
  KubeRequestVerb,
  ReconcileOutcomeLabel,
} from "./metrics.js";
export {
  PROM_CLIENT_MISSING,
  createPrometheusMetrics,
  type PrometheusMetrics,
  type PrometheusMetricsOptions,
  type PrometheusRegistry,
} from "./prometheus.js";
export {
  DEFAULT_WATCH_DOWN_BOUND_MS,
  checkReadiness,
  formatReadiness,
  type ControllerHealth,
  type HealthSource,
  type ReadinessCheck,
  type ReadinessOptions,
  type ReadinessReport,
} from "./health.js";
export {
  startOperatorServer,
  type OperatorServer,
  type OperatorServerOptions,
} from "./metrics-server.js";
export {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  handleShutdownSignals,
  type ShutdownOptions,
  type SignalProcess,
  type Stoppable,
} from "./shutdown.js";
export type { CustomResourceRef } from "./resource-ref.js";
export { defaultStatusMapping, type StatusMapping } from "./status-mapping.js";
export { KubeApiError, type CustomObject } from "./kube-api.js";
export {
  DEFAULT_KUBE_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_KUBE_RESPONSE_BYTES,
  KUBE_USER_AGENT,
  NodeHttpLibrary,
  nodeHttpLibrary,
  type NodeHttpLibraryOptions,
} from "./node-http-library.js";
export { WorkQueue, type QueueLane, type WorkQueueOptions } from "./queue.js";
export { systemTimers, type TimerHandle, type Timers } from "./timers.js";
export { KubernetesSecretSource, type KubernetesSecretSourceOptions } from "./secret-source.js";
export {
  LeaseClient,
  LeaseObservations,
  microTime,
  type LeaseRecord,
  type StoredLease,
} from "./lease.js";
export { resolveLeaseTiming, type LeaseTiming, type ResolvedLeaseTiming } from "./lease-timing.js";
export { LeaderElector, type LeaderElectorOptions } from "./leader.js";
export type { LeaderElectionOptions, ShardingOptions } from "./lease-gate.js";
export {
  ShardMembership,
  SHARD_GROUP_LABEL,
  rendezvousOwner,
  type ShardMembershipOptions,
} from "./shard.js";
