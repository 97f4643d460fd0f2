/**
 * An in-memory AAP job source (the four core `Provider` methods AAP mode delegates to, as an
 * `AapProvider` answers them) over jobs launched for the events the webhook received. This
 * package may not depend on provider-aap: the real pairing (EdaProvider + AapProvider +
 * simulators) is tested in integration/. The fake matches a job by its event's annotations
 * (correlation id and operation), answers the newest match, reports a succeeded provision's
 * version from the same annotations, and cancels as AWX does (a pending job at once, a
 * running one only records the request, a terminal one needs nothing).
 */
import {
  JobNotFoundError,
  JobState,
  ProviderError,
  type FindJobQuery,
  type ProvisionStatus,
  type ResourceObject,
} from "@provisionkit/core";
import {
  ANNOTATION_BLOCK_DELETION_ON_FAILURE,
  ANNOTATION_CONFIG_VERSION,
  ANNOTATION_CORRELATION_ID,
  ANNOTATION_OPERATION,
  type EdaAapFoundJob,
  type EdaAapJobSource,
} from "../src/index.ts";

/** A job in the fake AAP. */
export interface FakeJob {
  /** The source's job id, such as `job:100`. */
  id: string;
  /** The AWX status. */
  status: "pending" | "running" | "successful" | "failed" | "error" | "canceled";
  /** The template's name. */
  name: string;
  started?: string;
  finished?: string;
  canceledOn?: string;
  jobExplanation?: string;
  resultTraceback?: string;
  /** The event's annotations, as the job's extra vars carry them. */
  annotations: Record<string, string>;
}

const STATES: Record<FakeJob["status"], JobState> = {
  pending: JobState.Pending,
  running: JobState.Running,
  successful: JobState.Succeeded,
  failed: JobState.Failed,
  error: JobState.Failed,
  canceled: JobState.Canceled,
};

/** The fake AAP job source. */
export class FakeAap implements EdaAapJobSource {
  readonly name = "fake-aap";
  readonly jobs: FakeJob[] = [];
  /** Every call, as `find <type> <correlation id>`, `get <id>`, `cancel <id>`. */
  readonly calls: string[] = [];
  /** When set, `findJob` throws a retryable `LOOKUP_INCOMPLETE` (a lookup cut short). */
  incomplete = false;
  #nextId = 100;

  /** A job EDA launched for the event whose body the webhook received. */
  launch(body: string, overrides: Partial<FakeJob> = {}): FakeJob {
    const payload = JSON.parse(body) as ResourceObject;
    const job: FakeJob = {
      id: `job:${this.#nextId++}`,
      status: "pending",
      name: "create-compute-instance",
      annotations: { ...payload.metadata.annotations },
      ...overrides,
    };
    this.jobs.push(job);
    return job;
  }

  /** Changes a job. */
  update(id: string, change: Partial<FakeJob>): void {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) throw new Error(`no job ${id}`);
    Object.assign(job, change);
  }

  findJob(_resource: ResourceObject, query: FindJobQuery): Promise<EdaAapFoundJob | undefined> {
    this.calls.push(`find ${query.type} ${query.correlationId}`);
    if (this.incomplete) {
      return Promise.reject(
        new ProviderError("more candidates than one page", {
          code: "LOOKUP_INCOMPLETE",
          retryable: true,
        }),
      );
    }
    const job = this.jobs
      .filter((j) => j.annotations[ANNOTATION_CORRELATION_ID] === query.correlationId)
      .filter((j) => j.annotations[ANNOTATION_OPERATION] === query.type)
      .at(-1);
    if (!job) return Promise.resolve(undefined);
    const found: EdaAapFoundJob = statusOf(job, query.type);
    const version = job.annotations[ANNOTATION_CONFIG_VERSION];
    const block = job.annotations[ANNOTATION_BLOCK_DELETION_ON_FAILURE];
    if (query.type === "provision" && version) found.configVersion = version;
    if (query.type === "deprovision" && block) found.blockDeletionOnFailure = block === "true";
    return Promise.resolve(found);
  }

  getProvisionStatus(_resource: ResourceObject, jobId: string): Promise<ProvisionStatus> {
    return this.#read(jobId, "provision");
  }

  getDeprovisionStatus(_resource: ResourceObject, jobId: string): Promise<ProvisionStatus> {
    return this.#read(jobId, "deprovision");
  }

  cancelJob(_resource: ResourceObject, jobId: string): Promise<void> {
    this.calls.push(`cancel ${jobId}`);
    const job = this.jobs.find((j) => j.id === jobId);
    if (!job) return Promise.reject(new JobNotFoundError(jobId));
    if (job.status === "pending") Object.assign(job, { status: "canceled", finished: "t-end" });
    else if (job.status === "running") job.canceledOn = "2026-01-01T00:01:00Z";
    return Promise.resolve();
  }

  /** How many calls start with `prefix`. */
  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }

  #read(jobId: string, type: FindJobQuery["type"]): Promise<ProvisionStatus> {
    this.calls.push(`get ${jobId}`);
    const job = this.jobs.find((j) => j.id === jobId);
    if (!job) return Promise.reject(new JobNotFoundError(jobId));
    return Promise.resolve(statusOf(job, type));
  }
}

function statusOf(job: FakeJob, type: FindJobQuery["type"]): ProvisionStatus {
  const state = STATES[job.status];
  const status: ProvisionStatus = {
    jobId: job.id,
    state,
    message: `AAP ${job.id.replace(":", " ").replace("_", " ")} (${job.name}) is ${job.status}`,
  };
  if (job.started) status.startTime = job.started;
  if (job.finished) status.endTime = job.finished;
  const details = [job.jobExplanation, job.resultTraceback].filter(Boolean).join("\n");
  if ((state === JobState.Failed || state === JobState.Canceled) && details) {
    status.errorDetails = details;
  }
  const version = job.annotations[ANNOTATION_CONFIG_VERSION];
  if (type === "provision" && state === JobState.Succeeded && version) {
    status.reconciledVersion = version;
  }
  return status;
}
