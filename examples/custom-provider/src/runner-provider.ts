import {
  JobNotFoundError,
  isTerminal,
  resourceKey,
  type DeprovisionResult,
  type FoundJob,
  type JobRecord,
  type JobState,
  type JobType,
  type Provider,
  type ProvisionStatus,
  type ResourceObject,
} from "@provisionkit/core";

/** A job as your backend reports it. */
export interface RunnerJob {
  id: string;
  state: JobState;
  operation: JobType;
  correlationId: string;
  configVersion?: string;
  /** The `metadata.uid` of the resource it was submitted for (P10: a re-created one differs). */
  uid?: string;
}

/**
 * The client of your backend (HTTP, gRPC, a CLI…). It throws core's `RateLimitError` on a
 * rate limit and `TransientError` on a failure worth retrying (P8).
 */
export interface JobRunner {
  submit(job: Omit<RunnerJob, "id" | "state"> & { resource: string }): Promise<RunnerJob>;
  get(id: string): Promise<RunnerJob | undefined>;
  cancel(id: string): Promise<void>;
  list(resource: string): Promise<RunnerJob[]>;
}

const status = (job: RunnerJob): ProvisionStatus => ({
  jobId: job.id,
  state: job.state,
  message: `job ${job.id} is ${job.state}`,
  ...(job.state === "Succeeded" && job.configVersion
    ? { reconciledVersion: job.configVersion }
    : {}),
});

/** The whole provider: P1–P8 and P10 in under 60 lines. */
export class RunnerProvider implements Provider {
  readonly name = "runner";
  /** `submit` returns once the job exists: a lookup after the call ended is the truth (E5). */
  readonly launchSettleMs = 0;
  constructor(private readonly runner: JobRunner) {}

  async triggerProvision(r: ResourceObject, o: { configVersion: string; correlationId: string }) {
    const job = await this.submit(r, "provision", o.correlationId, o.configVersion);
    return { jobId: job.id, initialState: job.state, message: `submitted job ${job.id}` };
  }
  async getProvisionStatus(r: ResourceObject, id: string) {
    return status((await this.own(r, id)) ?? notFound(id));
  }
  getDeprovisionStatus(r: ResourceObject, id: string) {
    return this.getProvisionStatus(r, id);
  }
  async triggerDeprovision(
    r: ResourceObject,
    jobs: readonly JobRecord[],
    o: { correlationId: string },
  ): Promise<DeprovisionResult> {
    const latest = jobs.at(-1);
    if (!latest) return { action: "skipped", reason: "nothing was ever provisioned" }; // P6
    const running = latest.provider === this.name ? await this.own(r, latest.jobId) : undefined;
    if (running && !isTerminal(running.state)) {
      await this.runner.cancel(running.id); // P5: cancel, then wait for it to end
      const provisionJobStatus = status(running);
      return { action: "waiting", blockDeletionOnFailure: true, provisionJobStatus };
    }
    const job = await this.submit(r, "deprovision", o.correlationId);
    return { action: "triggered", jobId: job.id, blockDeletionOnFailure: true }; // P7
  }
  async findJob(r: ResourceObject, q: { correlationId: string; type: JobType }) {
    const jobs = await this.jobsOf(r);
    const job = jobs.find((j) => j.correlationId === q.correlationId && j.operation === q.type);
    return job && ({ ...status(job), blockDeletionOnFailure: true } satisfies FoundJob);
  }
  async cancelJob(r: ResourceObject, id: string) {
    await this.runner.cancel(((await this.own(r, id)) ?? notFound(id)).id);
  }
  /** Job `id` if it is this resource's (P10: never read or cancel another resource's job). */
  private async own(r: ResourceObject, id: string) {
    return (await this.jobsOf(r)).find((j) => j.id === id);
  }
  /** This resource's jobs: its name's, of its uid (one deleted and re-created is another). */
  private async jobsOf(r: ResourceObject) {
    return (await this.runner.list(resourceKey(r))).filter((j) => j.uid === r.metadata.uid);
  }
  private submit(r: ResourceObject, operation: JobType, correlationId: string, version?: string) {
    const uid = r.metadata.uid;
    const job = { resource: resourceKey(r), operation, correlationId, ...(uid && { uid }) };
    return this.runner.submit(version === undefined ? job : { ...job, configVersion: version });
  }
}

function notFound(id: string): never {
  throw new JobNotFoundError(id);
}
