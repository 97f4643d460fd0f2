/**
 * An in-memory automation backend with a virtual clock, and a provider for it that
 * keeps every rule of the contract (P1–P8). Tests drive time by hand; the backend's
 * ledger is the out-of-band truth that invariant checks read.
 */
import {
  JobNotFoundError,
  JobState,
  RateLimitError,
  isTerminal,
  resourceKey,
  type CallOptions,
  type DeprovisionResult,
  type FindJobQuery,
  type FoundJob,
  type JobRecord,
  type JobType,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";

/** How a scripted job ends. */
export type Outcome = "succeed" | "fail";

/** One job in the backend's ledger. */
export interface LedgerJob {
  id: string;
  resource: string;
  type: JobType;
  correlationId: string;
  configVersion?: string;
  state: JobState;
  createdAt: number;
  startAt: number;
  endAt: number;
  outcome: Outcome;
  finishedAt?: number;
  cancelRequestedAt?: number;
  /** For deprovision jobs: what the provider declared (E4). */
  blockDeletionOnFailure?: boolean;
}

/** A virtual clock. */
export class VirtualClock {
  constructor(public now = Date.UTC(2026, 0, 1)) {}
  advance(ms: number): void {
    this.now += ms;
  }
  readonly read = (): number => this.now;
}

/** Script for the next jobs, consumed in order; defaults when empty. */
export interface JobScript {
  outcome?: Outcome;
  /** ms from creation to Running. */
  startAfterMs?: number;
  /** ms from creation to terminal. */
  durationMs?: number;
}

export class MemoryBackend {
  readonly ledger: LedgerJob[] = [];
  private seq = 0;
  /** Scripts per job type, consumed in order. */
  readonly scripts: Record<JobType, JobScript[]> = { provision: [], deprovision: [] };
  defaultDurationMs = 30_000;
  cancelDelayMs = 1_000;

  constructor(readonly clock: VirtualClock) {}

  launch(
    resource: string,
    type: JobType,
    correlationId: string,
    configVersion?: string,
  ): LedgerJob {
    const script = this.scripts[type].shift() ?? {};
    const now = this.clock.now;
    const duration = script.durationMs ?? this.defaultDurationMs;
    const job: LedgerJob = {
      id: `job-${++this.seq}`,
      resource,
      type,
      correlationId,
      state: JobState.Pending,
      createdAt: now,
      startAt: now + (script.startAfterMs ?? Math.min(1_000, duration)),
      endAt: now + duration,
      outcome: script.outcome ?? "succeed",
    };
    if (configVersion !== undefined) job.configVersion = configVersion;
    this.ledger.push(job);
    return job;
  }

  /** Bring every job up to the current virtual time. */
  settle(): void {
    const now = this.clock.now;
    for (const job of this.ledger) {
      if (isTerminal(job.state)) continue;
      if (
        job.cancelRequestedAt !== undefined &&
        now >= job.cancelRequestedAt + this.cancelDelayMs
      ) {
        this.finish(
          job,
          JobState.Canceled,
          Math.min(job.endAt, job.cancelRequestedAt + this.cancelDelayMs),
        );
      } else if (now >= job.endAt) {
        this.finish(
          job,
          job.outcome === "succeed" ? JobState.Succeeded : JobState.Failed,
          job.endAt,
        );
      } else if (now >= job.startAt) {
        job.state = JobState.Running;
      }
    }
  }

  private finish(job: LedgerJob, state: JobState, at: number): void {
    job.state = state;
    job.finishedAt = at;
  }

  get(id: string): LedgerJob | undefined {
    this.settle();
    return this.ledger.find((j) => j.id === id);
  }

  cancel(id: string): void {
    const job = this.get(id);
    if (job && !isTerminal(job.state) && job.cancelRequestedAt === undefined) {
      job.cancelRequestedAt = this.clock.now;
    }
  }

  jobsFor(resource: string): LedgerJob[] {
    this.settle();
    return this.ledger.filter((j) => j.resource === resource);
  }
}

/** Faults the provider injects on its next calls. */
export interface Faults {
  /** Throw RateLimitError(retryAfterMs) on the next N calls. */
  rateLimitNext?: number;
  retryAfterMs?: number;
  /** Next triggerProvision creates the job, then throws (timeout after accept). */
  dropNextLaunchResponse?: boolean;
  /** Next status read throws a transient error. */
  failNextStatusRead?: number;
  /**
   * Next triggerDeprovision does its work (cancels, launches or decides to skip), then
   * throws an error whose outcome is unknown (the answer was lost on the way back).
   */
  dropNextDeprovisionResponse?: boolean;
}

/** A provider that keeps every rule of the contract, on a {@link MemoryBackend}. */
export class MemoryProvider implements Provider {
  readonly faults: Faults = {};
  blockDeletionOnFailure = true;
  calls: string[] = [];
  findJob: Provider["findJob"];
  cancelJob: Provider["cancelJob"];

  constructor(
    readonly backend: MemoryBackend,
    readonly name = "memory",
    capabilities: { findJob?: boolean; cancelJob?: boolean } = {},
  ) {
    this.findJob = capabilities.findJob === false ? undefined : this.find.bind(this);
    this.cancelJob = capabilities.cancelJob === false ? undefined : this.cancel.bind(this);
  }

  private checkRateLimit(): void {
    if (this.faults.rateLimitNext && this.faults.rateLimitNext > 0) {
      this.faults.rateLimitNext--;
      throw new RateLimitError("slow down", this.faults.retryAfterMs ?? 5_000);
    }
  }

  triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    this.calls.push("triggerProvision");
    this.checkRateLimit();
    const job = this.backend.launch(
      resourceKey(resource),
      "provision",
      options.correlationId,
      options.configVersion,
    );
    if (this.faults.dropNextLaunchResponse) {
      this.faults.dropNextLaunchResponse = false;
      return Promise.reject(new Error("socket hang up after the launch was accepted"));
    }
    return Promise.resolve({ jobId: job.id, initialState: job.state, message: "launched" });
  }

  getProvisionStatus(_r: ResourceObject, jobId: string, _o: CallOptions): Promise<ProvisionStatus> {
    this.calls.push("getProvisionStatus");
    return this.status(jobId);
  }

  getDeprovisionStatus(
    _r: ResourceObject,
    jobId: string,
    _o: CallOptions,
  ): Promise<ProvisionStatus> {
    this.calls.push("getDeprovisionStatus");
    return this.status(jobId);
  }

  private status(jobId: string): Promise<ProvisionStatus> {
    this.checkRateLimit();
    if (this.faults.failNextStatusRead && this.faults.failNextStatusRead > 0) {
      this.faults.failNextStatusRead--;
      return Promise.reject(new Error("connection reset"));
    }
    const job = this.backend.get(jobId);
    if (!job) return Promise.reject(new JobNotFoundError(jobId));
    return Promise.resolve(this.report(job));
  }

  triggerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    this.calls.push("triggerDeprovision");
    this.checkRateLimit();
    const answer = this.answerDeprovision(resource, provisionJobs, options);
    if (this.faults.dropNextDeprovisionResponse) {
      this.faults.dropNextDeprovisionResponse = false;
      return answer.then(() =>
        Promise.reject(new Error("socket hang up after the deprovision request was accepted")),
      );
    }
    return answer;
  }

  /** What triggerDeprovision does and answers, without faults (P5, P6, P7). */
  protected answerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    const key = resourceKey(resource);
    const inBackend = this.backend.jobsFor(key).filter((j) => j.type === "provision");
    const latest = inBackend.at(-1);
    if (latest && !isTerminal(latest.state)) {
      this.backend.cancel(latest.id); // P5: cancel, answer waiting
      return Promise.resolve({
        action: "waiting",
        blockDeletionOnFailure: this.blockDeletionOnFailure,
        provisionJobStatus: this.report(latest),
      });
    }
    if (inBackend.length === 0 && provisionJobs.length === 0) {
      return Promise.resolve({ action: "skipped", reason: "nothing was ever provisioned" });
    }
    const job = this.backend.launch(key, "deprovision", options.correlationId);
    job.blockDeletionOnFailure = this.blockDeletionOnFailure;
    const result: DeprovisionResult = {
      action: "triggered",
      jobId: job.id,
      blockDeletionOnFailure: this.blockDeletionOnFailure,
    };
    if (latest) result.provisionJobStatus = this.report(latest);
    return Promise.resolve(result);
  }

  private find(resource: ResourceObject, query: FindJobQuery): Promise<FoundJob | undefined> {
    this.calls.push("findJob");
    const job = this.backend
      .jobsFor(resourceKey(resource))
      .find((j) => j.correlationId === query.correlationId && j.type === query.type);
    if (!job) return Promise.resolve(undefined);
    return Promise.resolve({
      ...this.report(job),
      blockDeletionOnFailure: this.blockDeletionOnFailure,
    });
  }

  /** How the provider reports a ledger job (status reads, deprovision answers, findJob). */
  protected report(job: LedgerJob): ProvisionStatus {
    return toStatus(job);
  }

  private cancel(_r: ResourceObject, jobId: string): Promise<void> {
    this.calls.push("cancelJob");
    this.backend.cancel(jobId);
    return Promise.resolve();
  }
}

/** The status a contract-keeping provider reports for a ledger job. */
export function toStatus(job: LedgerJob): ProvisionStatus {
  const status: ProvisionStatus = {
    jobId: job.id,
    state: job.state,
    message: job.state.toLowerCase(),
  };
  if (job.state === JobState.Succeeded && job.configVersion !== undefined)
    status.reconciledVersion = job.configVersion;
  return status;
}

/** E1: at most one non-terminal job per resource at any instant. Returns violations. */
export function overlappingJobs(ledger: readonly LedgerJob[]): string[] {
  const problems: string[] = [];
  const byResource = new Map<string, LedgerJob[]>();
  for (const job of ledger)
    byResource.set(job.resource, [...(byResource.get(job.resource) ?? []), job]);
  for (const [resource, jobs] of byResource) {
    for (let i = 0; i < jobs.length; i++) {
      for (let k = i + 1; k < jobs.length; k++) {
        const a = jobs[i]!;
        const b = jobs[k]!;
        const aEnd = a.finishedAt ?? Number.POSITIVE_INFINITY;
        const bEnd = b.finishedAt ?? Number.POSITIVE_INFINITY;
        if (a.createdAt < bEnd && b.createdAt < aEnd) {
          problems.push(
            `${resource}: ${a.type} ${a.id} and ${b.type} ${b.id} were active together`,
          );
        }
      }
    }
  }
  return problems;
}
