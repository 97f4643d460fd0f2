import type { JobRecord } from "../job-record.js";
import type { JobType } from "../job-state.js";
import type { ProviderCapabilities } from "../provider.js";
import type { PendingLaunch, ProvisioningStatus } from "../status.js";
import type { EngineOptions } from "./options.js";

/** The providers the pure engine can name: the current one (for launches) and any other by name. */
export interface ProviderDirectory {
  /** The provider new jobs are launched with. */
  current: ProviderCapabilities;
  /**
   * The provider with this name, when available. Jobs launched by another provider are
   * polled (and canceled) through that provider, never through the current one (E6).
   */
  get(name: string): ProviderCapabilities | undefined;
}

/**
 * An answer to a pending launch whose job is not recorded (E5), passed in by the caller: a
 * human's answer to a `LaunchOutcomeUnknown` condition (the Kubernetes runtime reads it from
 * an annotation), or the launching process's own memory of the job its launch returned when
 * the status write recording it failed (`source: "launcher"`).
 */
export interface LaunchResolution {
  /** Must equal the pending launch's correlation id, so a stale answer is ignored. */
  correlationId: string;
  /**
   * The job the launch created, found by hand in the backend: the engine adopts it.
   * Omit it to say that nothing was launched: the engine launches again.
   */
  jobId?: string;
  /**
   * For an adopted deprovision job: whether its failure blocks deletion, as the provider
   * declares it. Default `true`, the safe side.
   */
  blockDeletionOnFailure?: boolean;
  /**
   * Who answers: `"human"` (default), or `"launcher"`, the process that carried the launch
   * out and holds the job it returned. Only the messages of the adoption differ.
   */
  source?: "human" | "launcher";
}

/** Everything the pure decision depends on. */
export interface DecideInput {
  /** The provisioning status as last persisted. */
  status: ProvisioningStatus;
  /** The config version the resource asks for now (see `configVersion`). */
  desiredConfigVersion: string;
  /** True once deletion was requested (the resource has a deletion timestamp). */
  deleting: boolean;
  /** Current time, epoch milliseconds. */
  now: number;
  /** The resource's `metadata.generation`, copied into conditions. */
  generation?: number;
  /** The providers, by capability. */
  providers: ProviderDirectory;
  /** Resolved engine options. */
  options: EngineOptions;
  /** Source of fresh correlation ids (a UUID generator in production). */
  newCorrelationId: () => string;
  /** A human's resolution of an unknown launch outcome, if any. */
  resolution?: LaunchResolution;
  /**
   * Ids of jobs a completion signal (for example an AWX job notification) reported as
   * changed since they were last read. An active job whose id is in the set is due for a
   * read now, whatever its `nextCheckAt`, except while a failed read's `retryAt` (a rate
   * limit's retry-after, the error backoff) has not passed. The signal only brings a read
   * forward: the job's state always comes from the provider's answer.
   */
  signaledJobIds?: ReadonlySet<string>;
  /**
   * The caller's estimate of how long this job runs in total, from its launch, in ms
   * (for example a `JobDurationEstimator`'s, learnt from finished jobs of the same
   * kind); `undefined` when it has none. Given this function, the engine polls with the
   * adaptive schedule (see `pollDelay`); without it, every `pollIntervalMs`.
   */
  expectedDurationMs?: (job: JobRecord) => number | undefined;
  /**
   * True when the caller currently receives completion signals for this job (its
   * provider's jobs): the job is then polled only as a slow safety net (see
   * `pollDelay`), and a signal in {@link DecideInput.signaledJobIds} brings the read.
   * A lost signal costs latency, never correctness.
   */
  signalsActive?: (job: JobRecord) => boolean;
}

/** What the caller does with the resource's finalizer. */
export type FinalizerAction = "ensure" | "keep" | "release";

/** A Kubernetes-style event to record on the resource. */
export interface EngineEvent {
  /** `Normal` or `Warning`. */
  type: "Normal" | "Warning";
  /** CamelCase reason, such as `ProvisionTriggered`. */
  reason: string;
  /** Secret-free message. */
  message: string;
}

/** The I/O a decision asks for. */
export type EngineAction =
  /** Nothing to call; persist the status and come back after `requeueAfterMs`, if set. */
  | { kind: "none" }
  /** Launch a job: persist the status (which holds the pending marker) first. */
  | { kind: "launch"; type: JobType; pending: PendingLaunch }
  /** Read a job's status through the provider that launched it. */
  | { kind: "poll"; job: JobRecord }
  /** Ask the provider that launched the job to cancel it. */
  | { kind: "cancel"; job: JobRecord; reason: "spec-change" | "timeout" | "deletion" }
  /** Look up the job of a pending launch by correlation id (`findJob`). */
  | { kind: "adopt"; pending: PendingLaunch };

/** The engine's decision: the next status, the I/O to do, and what the caller must do. */
export interface Decision {
  /** The I/O to carry out (see {@link execute}). */
  action: EngineAction;
  /** The status after this decision. */
  status: ProvisioningStatus;
  /**
   * When true the caller must durably persist `status` (with optimistic concurrency)
   * *before* executing the action; on a conflict, re-read and decide again (E5).
   */
  persistFirst: boolean;
  /** What to do with the finalizer. */
  finalizer: FinalizerAction;
  /** For `none`: when to decide again, in ms. Undefined: only when the resource changes. */
  requeueAfterMs?: number;
  /** Events to record. */
  events: EngineEvent[];
}
