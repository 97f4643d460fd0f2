/**
 * Broken providers for the blind spots of issue 15, each the contract-keeping MemoryProvider
 * with one realistic bug, written from the description of the bug (not from the checks):
 * and two contract-keeping variations that once raised false alarms.
 */
import {
  ConfigurationError,
  JobNotFoundError,
  JobState,
  ProviderError,
  RateLimitError,
  isTerminal,
  resourceKey,
  type DeprovisionResult,
  type FindJobQuery,
  type FoundJob,
  type JobRecord,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
} from "@provisionkit/core";
import {
  MemoryBackendFault,
  MemoryProvider,
  type HeldRequestKind,
  type MemoryBackend,
  type MemoryProviderOptions,
} from "../../../src/index.js";

/**
 * Correct (the AAP way): asks the backend to cancel the running provision job, reads it
 * back, and when the cancel already ended it (a pending job, which AWX cancels inside the
 * request) triggers the deprovision in the same call. With a backend whose cancels land at
 * once this must pass P5.
 */
export class CancelsThenReadsBack extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const latest = this.provisionJobsOf(resource).at(-1);
    if (latest && !isTerminal(latest.state)) this.backend.cancel(latest.id);
    return super.deprovision(resource, provisionJobs, options);
  }
}

/** P5: asks the backend to cancel the running provision job, and triggers the deprovision at once, without waiting for the cancel to land. */
export class CancelsAndTriggers extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    _provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const latest = this.provisionJobsOf(resource).at(-1);
    if (latest && !isTerminal(latest.state)) this.backend.cancel(latest.id);
    return this.launchDeprovision(resource, options);
  }
}

/** P5: looks at the resource's *first* provision job (the list's head) instead of the latest. */
export class FirstProvisionJob extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const first = this.backend
      .jobsFor(resourceKey(resource))
      .find((j) => j.operation === "provision");
    if (first && !isTerminal(first.state)) {
      this.backend.cancel(first.id);
      return {
        action: "waiting",
        blockDeletionOnFailure: this.blockDeletionOnFailure,
        provisionJobStatus: this.report(first),
      };
    }
    if (!first && provisionJobs.length === 0) {
      return { action: "skipped", reason: "nothing was ever provisioned" };
    }
    return this.launchDeprovision(resource, options);
  }
}

/** P8: reads `Retry-After` as milliseconds (a 20 s wait becomes 20 ms). */
export class RetryAfterAsMs extends MemoryProvider {
  protected override toError(fault: MemoryBackendFault): Error {
    if (fault.status !== 429) return super.toError(fault);
    const seconds = Math.ceil((fault.retryAfterMs ?? 0) / 1000);
    return new RateLimitError("rate limited", seconds);
  }
}

/** E3: a job the backend no longer knows is reported Succeeded ("gone means done"). */
export class GoneMeansDone extends MemoryProvider {
  protected override status(
    resource: ResourceObject,
    jobId: string,
    type: "provision" | "deprovision",
  ): ProvisionStatus {
    try {
      return super.status(resource, jobId, type);
    } catch (error) {
      if (!(error instanceof JobNotFoundError)) throw error;
      return { jobId, state: JobState.Succeeded, message: "the job is gone: done" };
    }
  }
}

/** E3 message: a job the backend no longer knows is a plain `Error`, not a typed one. */
export class PurgedAsPlainError extends MemoryProvider {
  protected override status(
    resource: ResourceObject,
    jobId: string,
    type: "provision" | "deprovision",
  ): ProvisionStatus {
    try {
      return super.status(resource, jobId, type);
    } catch (error) {
      if (!(error instanceof JobNotFoundError)) throw error;
      throw new Error(`job ${jobId}: unexpected answer 404`, { cause: error });
    }
  }
}

/** E5: a launch whose answer was lost (504) is a definite, non-retryable failure. */
export class LostAnswerIsFailure extends MemoryProvider {
  protected override toError(fault: MemoryBackendFault): Error {
    return fault.status === 504
      ? new ProviderError("the launch failed (HTTP 504)", { retryable: false })
      : super.toError(fault);
  }
}

/** How many times the retrying providers below retry a 503 themselves (a client's retries). */
const CLIENT_RETRIES = 3;

/** A MemoryProvider whose requests retry 503s like an HTTP client, then hand the last one to `exhausted`. */
class RetryingProvider extends MemoryProvider {
  protected exhausted(fault: MemoryBackendFault): Error {
    return this.toError(fault);
  }
  protected override call<T>(body: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return Promise.resolve(body());
      } catch (error) {
        if (!(error instanceof MemoryBackendFault)) return Promise.reject(toError(error));
        if (error.status === 503 && attempt < CLIENT_RETRIES) continue;
        return Promise.reject(error.status === 503 ? this.exhausted(error) : this.toError(error));
      }
    }
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Correct: retries 503s like an HTTP client, then reports a retryable TransientError. */
export class RetriesThenTransient extends RetryingProvider {}

/** P8: once its client's retries are used up, a 503 becomes a ConfigurationError ("the backend refuses us"). */
export class OutageAsConfigurationError extends RetryingProvider {
  protected override exhausted(): Error {
    return new ConfigurationError("the backend keeps refusing requests (503): check its URL");
  }
}

/**
 * Relaunches on a transient read failure: once its client's retries are used up, a failed
 * status read is reported as "no such job" (JobNotFoundError), so the engine counts the job
 * as lost and launches again while it still runs.
 */
export class ReadFailureIsNotFound extends RetryingProvider {
  protected override exhausted(): Error {
    return new JobNotFoundError("?", "the job could not be read");
  }
}

/**
 * E5: `findJob` answers "no such job" when the lookup fails (after its retries). Harmless
 * while the backend may still create the launch's job (the engine keeps the marker and
 * looks again), a duplicate once it no longer can: after a lost launch answer, a lookup
 * begun `launchSettleMs` after the request ended proves absence, so the failed lookup that
 * says "none" makes the engine launch again.
 */
export class LookupFailureIsAbsence extends RetryingProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    const find = this.findJob;
    if (!find) return;
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = (resource, query, options) =>
      find(resource, query, options).catch(() => undefined);
  }
}

/**
 * E5: `findJob` ignores the correlation id and the resource, and answers the first job of
 * the operation the backend lists (like `jobs/?job_template=…` read without a match).
 */
export class FirstJobOfTemplate extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = (_resource, query) =>
      this.call(() => this.firstOf(query));
  }
  private firstOf(query: FindJobQuery): FoundJob | undefined {
    this.backend.request("read");
    const entry = this.backend.ledger().find((j) => j.operation === query.type);
    const job = entry && this.backend.job(entry.id);
    return job ? this.report(job) : undefined;
  }
}

/** P7: declares blockDeletionOnFailure true and false on alternate deprovision answers. */
export class FlippingBlockFlag extends MemoryProvider {
  #answers = 0;
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const answer = super.deprovision(resource, provisionJobs, options);
    if (answer.action === "skipped") return answer;
    return { ...answer, blockDeletionOnFailure: this.#answers++ % 2 === 0 };
  }
}

/**
 * E5: `findJob` trusts a substring match of the correlation id (as a client trusting a
 * server-side `__icontains` filter would), reading the resource's jobs newest first.
 */
export class SubstringFindJob extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = (resource, query) =>
      this.call(() => {
        this.backend.request("read");
        const job = this.backend
          .jobsFor(resourceKey(resource))
          .reverse()
          .find((j) => j.operation === query.type && j.correlationId.includes(query.correlationId));
        return job ? this.report(job) : undefined;
      });
  }
}

/** E5: `findJob` matches correlation ids by prefix, reading the resource's jobs oldest first. */
export class PrefixFindJob extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = (resource, query) =>
      this.call(() => {
        this.backend.request("read");
        const job = this.backend
          .jobsFor(resourceKey(resource))
          .find(
            (j) => j.operation === query.type && j.correlationId.startsWith(query.correlationId),
          );
        return job ? this.report(job) : undefined;
      });
  }
}

/**
 * E5: `findJob` accepts a job whose correlation id is inside the one asked for (a lookup
 * that strips a prefix it does not expect), reading the resource's jobs oldest first.
 */
export class ContainedFindJob extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = (resource, query) =>
      this.call(() => {
        this.backend.request("read");
        const job = this.backend
          .jobsFor(resourceKey(resource))
          .find((j) => j.operation === query.type && query.correlationId.includes(j.correlationId));
        return job ? this.report(job) : undefined;
      });
  }
}

/**
 * P9: waits out a request the backend holds unanswered whatever its `AbortSignal` says (the
 * signal is not passed on to the request, as when an HTTP client is called without it).
 */
export class WaitsOutHeldRequests extends MemoryProvider {
  protected override waitIfHeld(kind: HeldRequestKind): Promise<void> {
    return super.waitIfHeld(kind);
  }
}
