/**
 * The part of an AAP Controller client the EDA provider uses to find, read and cancel the
 * jobs that rulebook activations launch. Structural: `AapClient` from
 * `@provisionkit/provider-aap` fits as is, and so does any object with these methods.
 *
 * @module
 */

/** A playbook job or a workflow job. */
export type EdaAapJobKind = "job" | "workflow_job";

/** Identifies a job in AAP. */
export interface EdaAapJobRef {
  /** `job` (under `jobs/`) or `workflow_job` (under `workflow_jobs/`). */
  kind: EdaAapJobKind;
  /** The numeric AAP id. */
  id: number;
}

/** A job as read from AAP (the fields of `AapJob` the provider reads). */
export interface EdaAapJob {
  /** The numeric AAP id. */
  id: number;
  /** `job` or `workflow_job`. */
  kind: EdaAapJobKind;
  /** The raw AWX status: `new`, `pending`, `waiting`, `running`, `successful`, `failed`, `error`, `canceled`. */
  status: string;
  /** True when the status is `failed`, `error` or `canceled`. */
  failed: boolean;
  /** The job name. */
  name: string;
  /** Creation time, ISO-8601. */
  created?: string;
  /** Start time, ISO-8601, or null. */
  started: string | null;
  /** End time, ISO-8601, or null. */
  finished: string | null;
  /** When a cancel was requested; set means a cancel is already under way. */
  canceledOn?: string;
  /** Why the job is in its state, or an empty string. */
  jobExplanation: string;
  /** The traceback of an `error` job, or an empty string. */
  resultTraceback: string;
  /** The parsed extra variables (EDA puts the event under `ansible_eda.event`). */
  extraVars?: Record<string, unknown>;
}

/** Options of {@link EdaAapJobs.listJobs}. */
export interface EdaAapListOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
  /** `page_size` sent to AAP. */
  pageSize?: number;
  /** Pages read at most. */
  maxPages?: number;
}

/** Options of {@link EdaAapJobs.getJob} and {@link EdaAapJobs.cancelJob}. */
export interface EdaAapCallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** An AAP jobs API (e.g. an `AapClient`). */
export interface EdaAapJobs {
  /** Lists jobs or workflow jobs matching AAP filters; `complete` is false when pages were left. */
  listJobs(
    kind: EdaAapJobKind,
    filters: Record<string, string | number>,
    options?: EdaAapListOptions,
  ): Promise<{ jobs: EdaAapJob[]; complete: boolean }>;
  /** Reads a job; throws `JobNotFoundError` (code `JOB_NOT_FOUND`) when it is gone. */
  getJob(ref: EdaAapJobRef, options?: EdaAapCallOptions): Promise<EdaAapJob>;
  /** Asks AAP to cancel a job: `requested`, or `not-cancelable` when already terminal. */
  cancelJob(
    ref: EdaAapJobRef,
    options?: EdaAapCallOptions,
  ): Promise<"requested" | "not-cancelable">;
}
