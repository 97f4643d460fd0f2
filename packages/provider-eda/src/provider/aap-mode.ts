/**
 * AAP mode: the real AAP job of each event, through an {@link EdaAapJobSource} (an
 * `AapProvider`). What is EDA's own stays here: the synthetic `eda:…` job ids, the
 * correlation id → AAP job memory (each poll is one read, not a search), finding the job
 * again when AAP purged it or when it failed (a rulebook's `retries` may launch a newer
 * one), and asking AAP once to cancel a running provision job before deprovisioning (P5).
 *
 * @module
 */
import {
  ErrorCode,
  InvalidResponseError,
  JobState,
  ProviderError,
  isProviderError,
  isTerminal,
  type CallOptions,
  type FindJobQuery,
  type FoundJob,
  type JobType,
  type Logger,
  type ProvisionStatus,
  type ResourceObject,
} from "@provisionkit/core";
import type { EdaAapFoundJob, EdaAapJobSource } from "./aap-source.js";
import { encodeEdaJobId, type EdaJobId } from "./job-id.js";

/** AAP jobs (and cancel requests) remembered at most. */
export const MAX_REMEMBERED_JOBS = 1000;

/** The error code of a lookup that could not read every candidate (retryable). */
const LOOKUP_INCOMPLETE = "LOOKUP_INCOMPLETE";

/** An event's AAP job: the source's id for it, and its status as the EDA job's. */
export interface AapObservation {
  /** The source's job id (`job:42` for an `AapProvider`). */
  aapJobId: string;
  /** The status, under the EDA job id. */
  status: ProvisionStatus;
}

/** What AAP mode needs besides its source. */
export interface AapModeOptions {
  /** The job source. */
  source: EdaAapJobSource;
  /** The provider's `blockDeletionOnFailure`, for found deprovision jobs that do not say. */
  blockDeletionOnFailure: boolean;
  /** When to ask again while a cancelled job ends (ms). */
  pollIntervalMs: number;
  /** The clock. */
  now: () => number;
  /** The logger. */
  logger: Logger;
}

/** AAP mode of one `EdaProvider`. */
export class AapMode {
  readonly #options: AapModeOptions;
  /** `operation \n correlation id` → the source's job id. */
  readonly #jobs = new Map<string, string>();
  /** Source job ids this provider asked to cancel. */
  readonly #cancelled = new Map<string, true>();

  /** @param options - see {@link AapModeOptions}. */
  constructor(options: AapModeOptions) {
    this.#options = options;
  }

  /**
   * The AAP job of EDA job `jobId`, or `undefined` while AAP has none (the event is queued
   * in EDA, or lost). The remembered job is read again; it is looked up anew when AAP
   * purged it, and when it failed a newer one found replaces it. A lookup that could not
   * read every candidate counts as none yet (the EDA timeout still runs).
   */
  async observe(
    resource: ResourceObject,
    jobId: string,
    job: EdaJobId,
    signal: AbortSignal,
  ): Promise<AapObservation | undefined> {
    const key = `${job.operation}\n${job.correlationId}`;
    const remembered = this.#jobs.get(key);
    let current: AapObservation | undefined;
    if (remembered !== undefined) {
      const status = await this.#read(resource, remembered, job.operation, signal);
      if (status === undefined) this.#jobs.delete(key);
      else current = { aapJobId: remembered, status };
      if (current && current.status.state !== JobState.Failed) return asEda(current, jobId, job);
    }
    const found = await this.#find(resource, job, signal);
    if (found !== undefined && found.jobId !== current?.aapJobId) {
      remember(this.#jobs, key, found.jobId);
      current = { aapJobId: found.jobId, status: found };
    }
    return current && asEda(current, jobId, job);
  }

  /**
   * P5 for a provision job that is not terminal and has an AAP job: ask AAP to cancel it
   * (once: a cancel already asked for is not repeated) and read it again, since a pending
   * job is cancelled inside the request. Waits (`retryAfterMs`) until it is terminal.
   */
  async settle(
    resource: ResourceObject,
    jobId: string,
    job: EdaJobId,
    observed: AapObservation,
    signal: AbortSignal,
  ): Promise<{ status: ProvisionStatus; retryAfterMs?: number }> {
    const { aapJobId, status } = observed;
    const poll = this.#options.pollIntervalMs;
    if (this.#cancelled.has(aapJobId)) return { status, retryAfterMs: poll };
    if (!(await this.#cancel(resource, aapJobId, "provision", signal))) return { status };
    this.#options.logger.info(
      { jobId, aapJobId },
      "asked AAP to cancel the running provision job before deprovisioning",
    );
    const after = await this.#read(resource, aapJobId, "provision", signal);
    if (after === undefined) return { status }; // purged: nothing runs any more
    const now = asEda({ aapJobId, status: after }, jobId, job).status;
    return isTerminal(now.state) ? { status: now } : { status: now, retryAfterMs: poll };
  }

  /**
   * The job EDA launched for `query`, under a synthetic EDA job id (its send time: now, the
   * adoption), or `undefined`. A provision job must say its config version.
   */
  async findJob(
    resource: ResourceObject,
    query: FindJobQuery,
    options: CallOptions,
  ): Promise<FoundJob | undefined> {
    const { correlationId, type } = query;
    const found = await this.#options.source.findJob(resource, query, options);
    if (found === undefined) return undefined;
    const configVersion =
      type === "provision" ? (found.configVersion ?? found.reconciledVersion) : undefined;
    if (type === "provision" && configVersion === undefined) {
      throw new InvalidResponseError(
        `AAP job ${found.jobId} carries correlation id ${correlationId} but no config version in its event`,
        { retryable: false, details: { aapJobId: found.jobId } },
      );
    }
    remember(this.#jobs, `${type}\n${correlationId}`, found.jobId);
    const sentAt = Math.floor(this.#options.now());
    const job: EdaJobId = { operation: type, correlationId, sentAt, configVersion };
    const jobId = encodeEdaJobId(job);
    const result: FoundJob = asEda({ aapJobId: found.jobId, status: found }, jobId, job).status;
    if (type === "deprovision") {
      result.blockDeletionOnFailure =
        found.blockDeletionOnFailure ?? this.#options.blockDeletionOnFailure;
    }
    return result;
  }

  /**
   * Asks AAP to cancel the job EDA launched for EDA job `jobId`. An ended job, or one this
   * provider already asked to cancel, needs nothing.
   *
   * @throws ProviderError `JOB_NOT_LAUNCHED` (retryable) while AAP has no job for the event.
   */
  async cancelJob(
    resource: ResourceObject,
    jobId: string,
    job: EdaJobId,
    options: CallOptions,
  ): Promise<void> {
    const observed = await this.observe(resource, jobId, job, options.signal);
    if (observed === undefined) {
      throw new ProviderError(
        `job ${jobId} has no AAP job yet (the event is queued in EDA, or was lost): nothing to cancel yet`,
        { code: "JOB_NOT_LAUNCHED", retryable: true, details: { jobId } },
      );
    }
    if (isTerminal(observed.status.state) || this.#cancelled.has(observed.aapJobId)) return;
    await this.#cancel(resource, observed.aapJobId, job.operation, options.signal);
  }

  /** Asks the source to cancel; false when AAP purged the job. */
  async #cancel(
    resource: ResourceObject,
    aapJobId: string,
    type: JobType,
    signal: AbortSignal,
  ): Promise<boolean> {
    try {
      await this.#options.source.cancelJob(resource, aapJobId, type, { signal });
    } catch (error) {
      if (isJobNotFound(error)) return false;
      throw error;
    }
    remember(this.#cancelled, aapJobId, true);
    return true;
  }

  async #find(
    resource: ResourceObject,
    job: EdaJobId,
    signal: AbortSignal,
  ): Promise<EdaAapFoundJob | undefined> {
    const query = { correlationId: job.correlationId, type: job.operation };
    try {
      return await this.#options.source.findJob(resource, query, { signal });
    } catch (error) {
      if (!(isProviderError(error) && error.code === LOOKUP_INCOMPLETE)) throw error;
      this.#options.logger.warn(
        { correlationId: job.correlationId, operation: job.operation },
        "the AAP job lookup could not read every candidate; judging from the resource meanwhile",
      );
      return undefined;
    }
  }

  async #read(
    resource: ResourceObject,
    aapJobId: string,
    type: JobType,
    signal: AbortSignal,
  ): Promise<ProvisionStatus | undefined> {
    const source = this.#options.source;
    try {
      return type === "provision"
        ? await source.getProvisionStatus(resource, aapJobId, { signal })
        : await source.getDeprovisionStatus(resource, aapJobId, { signal });
    } catch (error) {
      if (isJobNotFound(error)) return undefined;
      throw error;
    }
  }
}

/**
 * The AAP job's status as EDA job `jobId`'s: the source's fields (never its own `jobId`,
 * `configVersion` or `blockDeletionOnFailure`), and for a succeeded provision the version
 * the event carried, which the job must agree with (P4).
 */
function asEda(observed: AapObservation, jobId: string, job: EdaJobId): AapObservation {
  const { state, message, progress, startTime, endTime, reconciledVersion, errorDetails } =
    observed.status;
  const status: ProvisionStatus = {
    jobId,
    state,
    message: `${message} (launched by EDA for correlation id ${job.correlationId})`,
  };
  if (progress !== undefined) status.progress = progress;
  if (startTime !== undefined) status.startTime = startTime;
  if (endTime !== undefined) status.endTime = endTime;
  if (errorDetails !== undefined) status.errorDetails = errorDetails;
  if (job.operation === "provision" && state === JobState.Succeeded) {
    if (
      reconciledVersion !== undefined &&
      job.configVersion !== undefined &&
      reconciledVersion !== job.configVersion
    ) {
      throw new InvalidResponseError(
        `AAP job ${observed.aapJobId} applied config version ${reconciledVersion}, but the event of job ${jobId} carried ${job.configVersion}`,
        { retryable: false, details: { jobId, aapJobId: observed.aapJobId } },
      );
    }
    const version = job.configVersion ?? reconciledVersion;
    if (version !== undefined) status.reconciledVersion = version;
  }
  return { aapJobId: observed.aapJobId, status };
}

function isJobNotFound(error: unknown): boolean {
  return isProviderError(error) && error.code === ErrorCode.JobNotFound;
}

/** Sets `key` as the newest entry, dropping the oldest beyond {@link MAX_REMEMBERED_JOBS}. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_REMEMBERED_JOBS) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}
