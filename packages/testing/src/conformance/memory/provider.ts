/**
 * The contract-keeping provider of the {@link MemoryBackend}: the reference every broken
 * provider of the conformance suite's own tests is a small variation of.
 *
 * @module
 */
import {
  AbortedError,
  JobNotFoundError,
  JobState,
  RateLimitError,
  TransientError,
  isTerminal,
  resourceKey,
  type DeprovisionResult,
  type FindJobQuery,
  type FoundJob,
  type JobRecord,
  type JobType,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type CallOptions,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import type { HeldRequestKind } from "../types.js";
import type { MemoryBackend } from "./backend.js";
import {
  MemoryBackendFault,
  type MemoryJob,
  type MemoryLaunch,
  type MemoryProviderOptions,
} from "./model.js";

/**
 * A provider on a {@link MemoryBackend} that keeps P1–P8 and P10: unique `mem-<n>` job ids, status
 * reads reporting the launched version, `triggerDeprovision` that cancels a running
 * provision job and answers `waiting` (P5), `skipped` only when nothing was ever launched
 * (P6), a declared `blockDeletionOnFailure` (P7), and typed errors for 429, 503 and 504
 * (P8; a lost answer's error says its outcome is unknown).
 * `findJob` and `cancelJob` can be turned off.
 *
 * Its behaviour is split into protected methods so that a test can break one rule at a
 * time by overriding one of them.
 */
export class MemoryProvider implements Provider {
  /** The provider's name. */
  readonly name: string;
  /** What deprovisions declare. */
  readonly blockDeletionOnFailure: boolean;
  /** Whether it cancels running jobs. */
  readonly canCancel: boolean;
  /** See {@link Provider.launchSettleMs}: 0 unless the options say otherwise. */
  readonly launchSettleMs?: number;
  /** Find a job by correlation id (absent when turned off). */
  readonly findJob?: Provider["findJob"];
  /** Ask the backend to cancel a job (absent when turned off). */
  readonly cancelJob?: Provider["cancelJob"];
  /** The credential (never reported). */
  protected readonly token: string;

  /**
   * @param backend - the backend it talks to.
   * @param options - name, capabilities, declared flag.
   */
  constructor(
    readonly backend: MemoryBackend,
    options: MemoryProviderOptions = {},
  ) {
    this.name = options.name ?? "memory";
    this.blockDeletionOnFailure = options.blockDeletionOnFailure ?? true;
    this.canCancel = options.cancel ?? true;
    this.token = options.token ?? "memory-token";
    const settle = options.launchSettleMs === undefined ? 0 : options.launchSettleMs;
    if (settle !== null) this.launchSettleMs = settle;
    if (options.findJob ?? true) {
      this.findJob = (r, q, o) => this.call(() => this.find(r, q), o?.signal, ["read"]);
    }
    if (this.canCancel) {
      this.cancelJob = (r, id, _type, o) =>
        this.call(() => this.cancel(r, id), o?.signal, ["read", "cancel"]);
    }
  }

  /** Launch a provision job. */
  triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    return this.call(
      () => {
        const job = this.backend.launch({
          ...launchedFor(resource),
          operation: "provision",
          correlationId: options.correlationId,
          configVersion: options.configVersion,
        });
        this.backend.deliver("provision");
        return {
          jobId: this.idOf(job),
          initialState: job.state,
          message: `provision job ${job.id} accepted`,
        };
      },
      options.signal,
      ["launch"],
    );
  }

  /** Read a provision job. */
  getProvisionStatus(
    resource: ResourceObject,
    jobId: string,
    options?: CallOptions,
  ): Promise<ProvisionStatus> {
    return this.call(() => this.status(resource, jobId, "provision"), options?.signal, ["read"]);
  }

  /** Read a deprovision job. */
  getDeprovisionStatus(
    resource: ResourceObject,
    jobId: string,
    options?: CallOptions,
  ): Promise<ProvisionStatus> {
    return this.call(() => this.status(resource, jobId, "deprovision"), options?.signal, ["read"]);
  }

  /** Cancel a running provision job and wait (P5), skip (P6), or launch a deprovision job. */
  triggerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    return this.call(
      () => {
        const answer = this.deprovision(resource, provisionJobs, options);
        this.backend.deliver("deprovision");
        return answer;
      },
      options.signal,
      ["read"],
    );
  }

  /** What `triggerDeprovision` does (the fault gate already passed). */
  protected deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    this.backend.request("read");
    const provisions = this.provisionJobsOf(resource);
    const latest = provisions.at(-1);
    if (latest && !isTerminal(latest.state)) {
      if (this.canCancel) {
        this.backend.request("cancel");
        this.backend.cancel(latest.id);
      }
      return {
        action: "waiting",
        blockDeletionOnFailure: this.blockDeletionOnFailure,
        provisionJobStatus: this.report(latest),
      };
    }
    if (provisions.length === 0 && provisionJobs.length === 0) {
      return { action: "skipped", reason: "nothing was ever provisioned for this resource" };
    }
    const result = this.launchDeprovision(resource, options);
    if (latest) result.provisionJobStatus = this.report(latest);
    return result;
  }

  /**
   * Whether `job` was launched for `resource` (P10), for every status read, lookup, cancel
   * and P5 check: the same `namespace/name` and the same uid, so that a resource deleted and
   * re-created under the same name never takes its predecessor's jobs for its own.
   */
  protected owns(job: MemoryLaunch, resource: ResourceObject): boolean {
    return job.resourceKey === resourceKey(resource) && job.resourceUid === resource.metadata.uid;
  }

  /** The resource's provision jobs in the backend, oldest first (no request counted). */
  protected provisionJobsOf(resource: ResourceObject): MemoryJob[] {
    return this.backend
      .jobsFor(resourceKey(resource))
      .filter((j) => j.operation === "provision" && this.owns(j, resource));
  }

  /** Launch a deprovision job, declaring {@link MemoryProvider.blockDeletionOnFailure}, and answer `triggered`. */
  protected launchDeprovision(
    resource: ResourceObject,
    options: TriggerDeprovisionOptions,
  ): Extract<DeprovisionResult, { action: "triggered" }> {
    const job = this.backend.launch({
      ...launchedFor(resource),
      operation: "deprovision",
      correlationId: options.correlationId,
      blockDeletionOnFailure: this.blockDeletionOnFailure,
    });
    return {
      action: "triggered",
      jobId: this.idOf(job),
      blockDeletionOnFailure: this.blockDeletionOnFailure,
    };
  }

  /** What a status read does (the fault gate already passed). */
  protected status(resource: ResourceObject, jobId: string, type: JobType): ProvisionStatus {
    this.backend.request("read");
    const job = this.backend.job(this.backendIdOf(jobId));
    if (!job || !this.owns(job, resource) || job.operation !== type) {
      throw new JobNotFoundError(jobId);
    }
    return this.report(job);
  }

  /** How a backend job is reported (status reads, deprovision answers, findJob). */
  protected report(job: MemoryJob): ProvisionStatus {
    const status: ProvisionStatus = {
      jobId: this.idOf(job),
      state: job.state,
      message:
        `${job.operation} job ${job.id} is ${job.state.toLowerCase()}` +
        (job.failureKind !== undefined && job.finishedAt !== undefined
          ? ` (${job.failureKind}: it could not run)`
          : ""),
    };
    if (job.state === JobState.Succeeded && job.configVersion !== undefined) {
      status.reconciledVersion = job.configVersion;
    }
    return status;
  }

  /** The job id reported for a backend job (default: its id). */
  protected idOf(job: MemoryJob): string {
    return job.id;
  }

  /** The backend id behind a reported job id (default: the same). */
  protected backendIdOf(jobId: string): string {
    return jobId;
  }

  /** The typed error for a backend fault (P8): a 504 says the request may have been carried out. */
  protected toError(fault: MemoryBackendFault): Error {
    if (fault.status === 429) {
      return new RateLimitError("the memory backend is rate limiting requests", fault.retryAfterMs);
    }
    return fault.status === 503
      ? new TransientError("the memory backend is unavailable (503)")
      : new TransientError(
          "the memory backend's answer was lost (504); the request may have been carried out",
          {
            outcomeUnknown: true,
          },
        );
  }

  /**
   * Run a request, translating backend faults into typed errors. It first passes the hold
   * gate of each of `holds` (the kinds of request it makes that the backend can hold): a
   * held request is waited for until released, or until `signal` aborts (then it throws an
   * `AbortedError` and `body` never runs), as P9 asks.
   */
  protected async call<T>(
    body: () => T,
    signal?: AbortSignal,
    holds: readonly HeldRequestKind[] = [],
  ): Promise<T> {
    for (const kind of holds) await this.waitIfHeld(kind, signal);
    try {
      return body();
    } catch (error) {
      const thrown = error instanceof MemoryBackendFault ? this.toError(error) : error;
      throw thrown instanceof Error ? thrown : new Error(String(thrown));
    }
  }

  /**
   * Wait while the backend holds a request of `kind`; an abort of `signal` ends the wait. A
   * held launch the backend drops ends as a lost answer (504: outcome unknown).
   */
  protected async waitIfHeld(kind: HeldRequestKind, signal?: AbortSignal): Promise<void> {
    const released = this.backend.hold(kind);
    if (!released) return;
    await new Promise<void>((resolve, reject) => {
      const abort = (): void =>
        reject(new AbortedError(`the memory backend's ${kind} request was aborted by its caller`));
      if (signal?.aborted) return abort();
      signal?.addEventListener("abort", abort, { once: true });
      void released.then((outcome) => {
        signal?.removeEventListener("abort", abort);
        if (outcome === "released") resolve();
        else reject(this.toError(new MemoryBackendFault(504)));
      });
    });
  }

  private find(resource: ResourceObject, query: FindJobQuery): FoundJob | undefined {
    this.backend.request("read");
    const job = this.backend
      .jobsFor(resourceKey(resource))
      .find(
        (j) =>
          j.correlationId === query.correlationId &&
          j.operation === query.type &&
          this.owns(j, resource),
      );
    if (!job) return undefined;
    const found: FoundJob = this.report(job);
    if (job.blockDeletionOnFailure !== undefined) {
      found.blockDeletionOnFailure = job.blockDeletionOnFailure;
    }
    return found;
  }

  private cancel(resource: ResourceObject, jobId: string): void {
    this.backend.request("cancel");
    const job = this.backend.job(this.backendIdOf(jobId));
    if (!job || !this.owns(job, resource)) throw new JobNotFoundError(jobId);
    this.backend.cancel(job.id);
  }
}

/** Whom a launch is for: the resource's key, and its uid when it has one. */
function launchedFor(resource: ResourceObject): Pick<MemoryLaunch, "resourceKey" | "resourceUid"> {
  const uid = resource.metadata.uid;
  return { resourceKey: resourceKey(resource), ...(uid === undefined ? {} : { resourceUid: uid }) };
}
