import type { JobState, JobType } from "../job-state.js";

/**
 * Hooks for metrics, called by the controller as things happen. Wire them to your
 * metrics library (prom-client counters and histograms, OpenTelemetry instruments).
 * Every hook is optional and must not throw; durations are in milliseconds.
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
   * A reconcile ended; `outcome` says how (`invalid`: the object's status or spec cannot be
   * worked on, and was reported as `Ready=False`).
   */
  reconciled?(
    labels: { outcome: "ok" | "conflict" | "error" | "paused" | "withheld" | "invalid" },
    durationMs: number,
  ): void;
}
