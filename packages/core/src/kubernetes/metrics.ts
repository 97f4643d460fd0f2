import type { JobState, JobType } from "../job-state.js";

/** How a reconcile ended, as {@link ControllerMetrics.reconciled} reports it. */
export type ReconcileOutcomeLabel = "ok" | "conflict" | "error" | "paused" | "withheld" | "invalid";

/**
 * The Kubernetes verb of a request the controller made to the API server (the watch is not
 * counted here: see {@link ControllerMetrics.watchRestarted}).
 */
export type KubeRequestVerb = "list" | "get" | "update" | "patch" | "create";

/** Labels of {@link ControllerMetrics.apiRequest}. */
export interface KubeRequestLabels {
  /** The Kubernetes verb. */
  verb: KubeRequestVerb;
  /** The HTTP method (`GET`, `PUT`, `PATCH`, `POST`). */
  method: "GET" | "PUT" | "PATCH" | "POST";
  /**
   * The HTTP status code the API server answered, as a string (`"200"`, `"409"`), or
   * `"<error>"` when no answer came (a reset, a refused connection), as client-go counts it.
   */
  code: string;
  /** What was addressed: `""` for the object, `"status"` for its status subresource, `"events"` for an Event. */
  subresource: "" | "status" | "events";
  /** The API server's `host:port`, as client-go's `host` label. */
  host: string;
}

/**
 * Hooks for metrics, called by the controller as things happen. Wire them to your
 * metrics library (prom-client counters and histograms, OpenTelemetry instruments), or use
 * `createPrometheusMetrics`, which implements every hook. Every hook is optional and must
 * not throw; durations are in milliseconds.
 */
export interface ControllerMetrics {
  /** A job was launched (or adopted after a restart). */
  jobLaunched?(labels: { type: JobType; provider: string }): void;
  /** A job reached a terminal state; `durationMs` runs from launch to the end seen. */
  jobFinished?(
    labels: { type: JobType; provider: string; state: JobState },
    durationMs: number,
  ): void;
  /**
   * A resource became Ready; `durationMs` runs from its creation (first time) or from
   * the launch of the provision job that made it ready (after a spec change).
   */
  timeToReady?(labels: { since: "creation" | "spec-change" }, durationMs: number): void;
  /** A resource's finalizer was released; `durationMs` runs from its deletionTimestamp. */
  deletionCompleted?(durationMs: number): void;
  /** The number of keys waiting in the work queue changed. */
  queueDepth?(depth: number): void;
  /**
   * A key entered the work queue (a key already waiting, or added again while in progress,
   * is not counted again: the queue deduplicates it, as client-go's workqueue does).
   */
  queueAdded?(): void;
  /** A key left the work queue for a worker; `waitedMs` is how long it waited there. */
  queueWait?(waitedMs: number): void;
  /** The number of workers reconciling a key right now changed (at most the `concurrency`). */
  activeWorkers?(active: number): void;
  /**
   * A reconcile ended; `outcome` says how (`invalid`: the object's status or spec cannot be
   * worked on, and was reported as `Ready=False`).
   */
  reconciled?(labels: { outcome: ReconcileOutcomeLabel }, durationMs: number): void;
  /** A request to the API server ended (answered or failed); `durationMs` is its latency. */
  apiRequest?(labels: KubeRequestLabels, durationMs: number): void;
  /** The watch stopped on an error and its informer was restarted (after the backoff). */
  watchRestarted?(): void;
}
