import type { KubeConfig } from "@kubernetes/client-node";
import type { BackoffPolicy } from "../backoff.js";
import type { EngineOptionsInput } from "../engine/options.js";
import type { ProviderSet } from "../engine/providers.js";
import type { Logger } from "../logger.js";
import type { Provider } from "../provider.js";
import type { JobTracer } from "../tracing/hooks.js";
import type { ResourceObject } from "../resource.js";
import type { LeaderElectionOptions, ShardingOptions } from "./lease-gate.js";
import type { ControllerMetrics } from "./metrics.js";
import type { CustomResourceRef } from "./resource-ref.js";
import type { StatusMapping } from "./status-mapping.js";
import type { Timers } from "./timers.js";

/** Annotation that pauses a resource: the controller leaves it alone while it is `"true"`. */
export const PAUSE_ANNOTATION = "provisionkit.io/paused";
/**
 * Annotation that makes the controller observe a resource without acting: it keeps polling
 * jobs already running and records what it sees, but launches, cancels and finalizer
 * changes are withheld.
 */
export const OBSERVE_ONLY_ANNOTATION = "provisionkit.io/observe-only";
/**
 * Annotation through which a human resolves an unknown launch outcome (the
 * LaunchOutcomeUnknown condition): JSON `{"correlationId": "…"}` when no job was created,
 * or `{"correlationId": "…", "jobId": "…"}` to adopt the job that was.
 */
export const LAUNCH_RESOLUTION_ANNOTATION = "provisionkit.io/launch-resolution";

/** Options of `ProvisioningController`. */
export interface ProvisioningControllerOptions<R extends ResourceObject = ResourceObject> {
  /** Where the API server is and how to authenticate (client-node `KubeConfig`). */
  kubeConfig: KubeConfig;
  /** The custom resource to manage. */
  resource: CustomResourceRef;
  /** The provider, or a set when jobs of other providers may be on record (E6). */
  provider: Provider<R> | ProviderSet<R>;
  /** The finalizer this controller adds before anything is launched, e.g. `example.com/provisioning`. */
  finalizer: string;
  /** The desired config of a resource, hashed into its config version. Default: `spec` (or `{}`). */
  desiredConfig?: (resource: R) => unknown;
  /** Where the provisioning status lives in `status`. Default: `defaultStatusMapping()`. */
  statusMapping?: StatusMapping;
  /** Engine options (poll interval, backoffs, timeouts, policies). */
  engine?: EngineOptionsInput;
  /** Resources reconciled at once. Default 4. */
  concurrency?: number;
  /**
   * The work queue's aging bound, ms: a queued resource that has waited this long is
   * reconciled before any other that waited less, whatever its lane (deletions first, then
   * changes and due requeues, then new objects and resyncs; see `WorkQueue`). Default 30 s.
   */
  queueMaxWaitMs?: number;
  /** Every cached resource is reconciled again this often (ms); 0 turns it off. Default 10 minutes. */
  resyncIntervalMs?: number;
  /**
   * How long `stop()` lets a launch already under way (`triggerProvision`,
   * `triggerDeprovision`) answer before aborting it, ms; its job is then recorded in status.
   * Other provider calls are aborted at once. A launch aborted after its request left has an
   * unknown outcome, which a provider without `findJob` (an `EdaProvider` outside AAP mode)
   * cannot resolve: the object then waits for a human (`LaunchOutcomeUnknown`). Default
   * 5000; 0 aborts launches at once too.
   */
  stopLaunchGraceMs?: number;
  /**
   * How long (ms) one of the controller's Kubernetes requests (not the watch) may receive
   * nothing before it fails as unanswered: a status write then is read back, as after any
   * lost answer. Default 75 000 (`DEFAULT_KUBE_REQUEST_TIMEOUT_MS`: above the API server's
   * own 60 s bound, so it fires only on a connection that died without a reset). Applies on
   * client-node 1.x (`NodeHttpLibrary`).
   */
  kubeRequestTimeoutMs?: number;
  /** Backoff between informer restarts after watch errors. Default 1 s doubling to 60 s. */
  watchRestartBackoff?: Partial<BackoffPolicy>;
  /** Backoff of a resource whose reconcile failed (not a provider failure: those are in status). Default 1 s doubling to 2 min. */
  errorBackoff?: Partial<BackoffPolicy>;
  /** Only resources matching this label selector are managed. */
  labelSelector?: string;
  /** Logger (pino-compatible). Default silent. */
  logger?: Logger;
  /** Metrics hooks. */
  metrics?: ControllerMetrics;
  /**
   * Receives every job's lifecycle as trace spans: `openTelemetryJobTracer()` from
   * `@provisionkit/core/tracing` (on `@opentelemetry/api`), or any {@link JobTracer}.
   * Default none. Job timing is recorded in status either way (docs/tracing.md).
   */
  tracer?: JobTracer;
  /**
   * Record Kubernetes Events for engine events. Default true, with `component`
   * `provisionkit`. Tolerates an API server without the Events API.
   */
  events?: boolean | { component?: string };
  /** Observe-only for every resource (see {@link OBSERVE_ONLY_ANNOTATION}). Default false. */
  observeOnly?: boolean;
  /** Pause annotation key. Default {@link PAUSE_ANNOTATION}. */
  pauseAnnotation?: string;
  /** Observe-only annotation key. Default {@link OBSERVE_ONLY_ANNOTATION}. */
  observeOnlyAnnotation?: string;
  /** Clock (epoch ms) given to the engine. Default `Date.now`. */
  clock?: () => number;
  /** Timers for requeues, resyncs and restarts. Default the global ones. */
  timers?: Timers;
  /** Correlation id source. Default `crypto.randomUUID`. */
  newCorrelationId?: () => string;
  /**
   * Leader election on a `coordination.k8s.io/v1` Lease: only the replica holding it
   * reconciles; one that cannot renew stops acting at its renew deadline, before another can
   * take the Lease over; `stop()` releases it. Not with `sharding`.
   */
  leaderElection?: LeaderElectionOptions;
  /**
   * Sharding over `coordination.k8s.io/v1` Leases (one per replica): each live replica
   * reconciles the resources whose uid hashes to it, and ownership moves through a gap,
   * never an overlap, when a replica joins or dies. Not with `leaderElection`.
   */
  sharding?: ShardingOptions;
}
