import type { JobRecord } from "../job-record.js";
import type { JobState, JobType } from "../job-state.js";

/** What a job's span is about (attributes only: never a secret). */
export interface JobTraceInfo {
  /** The resource's key (`namespace/name`). */
  resource: string;
  /** The resource's uid, when it has one. */
  resourceUid?: string;
  /** Provision or deprovision. */
  type: JobType;
  /** The provider launching it. */
  provider: string;
  /** The launch's correlation id. */
  correlationId: string;
  /** For a provision: the config version applied. */
  configVersion?: string;
  /** The attempt number the job gets. */
  attempt: number;
  /** When the job's record says it was launched (`launchedAt`), epoch ms. */
  launchedAt: number;
  /** When the reconcile's key entered the controller's work queue, epoch ms, when known. */
  queuedAt?: number;
  /** When the reconcile started, epoch ms, when known. */
  reconcileStartedAt?: number;
}

/** How a launch call ended, as {@link LaunchTrace.end} is told. */
export interface LaunchTraceOutcome {
  /** The job id the backend returned, when it created one. */
  jobId?: string;
  /** Its state right after the launch. */
  state?: JobState;
  /** `waiting` or `skipped` when a deprovision was not started. */
  action?: "triggered" | "waiting" | "skipped";
  /** The failure, when the call failed (stable code and secret-free message). */
  error?: { code: string; message: string };
}

/** The live trace of one launch call, from {@link JobTracer.startLaunch}. */
export interface LaunchTrace {
  /**
   * The W3C `traceparent` of the job's span, passed to the provider and kept in the job
   * record; `undefined` when the span is not sampled or not recorded.
   */
  readonly traceparent: string | undefined;
  /**
   * Ends the launch span (and, when no job was created, the job span).
   *
   * @param at - when the call ended, epoch ms (the engine's clock).
   */
  end(outcome: LaunchTraceOutcome, at: number): void;
}

/** The live trace of one reconcile, from {@link JobTracer.startReconcile}. */
export interface ReconcileTrace {
  /** Links the reconcile's span to a job's span (its record's `traceparent`). */
  link(traceparent: string): void;
  /** Adds a step (the engine's action) to the reconcile's span. */
  step(action: string, jobId?: string): void;
  /**
   * Ends the span.
   *
   * @param at - when the reconcile ended, epoch ms (the engine's clock).
   * @param error - what the reconcile threw, if it did.
   */
  end(at: number, error?: unknown): void;
}

/**
 * Receives the engine's job lifecycle as it happens, to turn it into trace spans. The
 * `@provisionkit/core/tracing` subpath implements it on `@opentelemetry/api`
 * (`openTelemetryJobTracer`); anything else may. Every method must return quickly and
 * never throw (what it throws is ignored).
 */
export interface JobTracer {
  /**
   * Called right before a launch call: starts the job's span and its launch span.
   *
   * @param at - when the call starts, epoch ms (the engine's clock).
   */
  startLaunch(info: JobTraceInfo, at: number): LaunchTrace;
  /**
   * Called once per job, after the status holding its end (with `timing.seenMs` and
   * `timing.writtenMs`) was persisted: records the phases and ends the job's span.
   */
  jobEnded(resource: string, job: JobRecord): void;
  /**
   * Called when a reconcile starts.
   *
   * @param at - when it starts, epoch ms (the engine's clock).
   */
  startReconcile(resource: string, at: number): ReconcileTrace;
}

/** Calls `fn`, ignoring what it throws (a tracer never breaks a reconcile). */
export function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
