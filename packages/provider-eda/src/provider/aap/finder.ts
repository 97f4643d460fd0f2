/**
 * Finds the AAP job a rulebook activation launched for an event, by the correlation id
 * the event carried in `ansible_eda.event.payload.metadata.annotations`.
 *
 * @module
 */
import { ErrorCode, isProviderError, type JobType } from "@provisionkit/core";
import type { EdaAnnotationNames } from "../../constants.js";
import type { EdaAapJob, EdaAapJobKind, EdaAapJobRef, EdaAapJobs } from "./types.js";

/** Jobs read per kind and search (one page, newest first). */
export const SEARCH_PAGE_SIZE = 25;
/** Correlation → job references kept in memory at most. */
export const MAX_CACHED_JOBS = 1000;

// A workflow launched by EDA passes its extra vars on to the jobs of its nodes, which
// then match the search too: the workflow job is looked for first.
const KINDS: readonly EdaAapJobKind[] = ["workflow_job", "job"];

/** The outcome of a search. */
export interface FindResult {
  /** The newest verified job, when there is one. */
  job?: EdaAapJob;
  /** False when a page limit left candidates unread and none matched. */
  complete: boolean;
}

/** The event annotations a job's extra vars carry, or undefined. */
export function eventAnnotations(job: EdaAapJob): Record<string, unknown> | undefined {
  let node: unknown = job.extraVars;
  for (const key of ["ansible_eda", "event", "payload", "metadata", "annotations"]) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === "object" && node !== null && !Array.isArray(node)
    ? (node as Record<string, unknown>)
    : undefined;
}

function cacheKey(correlationId: string, operation: JobType): string {
  return `${operation}\n${correlationId}`;
}

/** Finds, caches and re-reads the AAP jobs of events. */
export class AapJobFinder {
  readonly #jobs: EdaAapJobs;
  readonly #names: EdaAnnotationNames;
  readonly #cache = new Map<string, EdaAapJobRef>();

  /**
   * @param jobs - the AAP jobs API.
   * @param names - the annotation names the events carry.
   */
  constructor(jobs: EdaAapJobs, names: EdaAnnotationNames) {
    this.#jobs = jobs;
    this.#names = names;
  }

  /** Whether `job` was launched for the event with `correlationId` and `operation`. */
  matches(job: EdaAapJob, correlationId: string, operation: JobType): boolean {
    const annotations = eventAnnotations(job);
    if (annotations?.[this.#names.correlationId] !== correlationId) return false;
    const op = annotations[this.#names.operation];
    return op === undefined || op === operation;
  }

  /**
   * The current job of an event: the cached one re-read (searched again when it was
   * purged, or when it failed, since a rulebook's `retries` may have launched a newer one),
   * else a search.
   */
  async find(correlationId: string, operation: JobType, signal: AbortSignal): Promise<FindResult> {
    const key = cacheKey(correlationId, operation);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      let job: EdaAapJob | undefined;
      try {
        job = await this.#jobs.getJob(cached, { signal });
      } catch (error) {
        if (!(isProviderError(error) && error.code === ErrorCode.JobNotFound)) throw error;
        this.#cache.delete(key);
      }
      if (job !== undefined && job.status !== "failed" && job.status !== "error") {
        return { job, complete: true };
      }
      const found = await this.search(correlationId, operation, signal);
      if (found.job && (job === undefined || found.job.id > job.id)) return found;
      return job === undefined ? found : { job, complete: true };
    }
    return this.search(correlationId, operation, signal);
  }

  /** Searches jobs and workflow jobs for the event, newest first; caches what it finds. */
  async search(
    correlationId: string,
    operation: JobType,
    signal: AbortSignal,
  ): Promise<FindResult> {
    let complete = true;
    for (const kind of KINDS) {
      const page = await this.#jobs.listJobs(
        kind,
        { extra_vars__icontains: correlationId, order_by: "-id" },
        { signal, pageSize: SEARCH_PAGE_SIZE, maxPages: 1 },
      );
      // A substring match is never trusted: the extra vars are parsed and checked.
      const verified = page.jobs
        .filter((job) => this.matches(job, correlationId, operation))
        .sort((a, b) => b.id - a.id);
      const job = verified[0];
      if (job !== undefined) {
        this.#remember(cacheKey(correlationId, operation), { kind: job.kind, id: job.id });
        return { job, complete: true };
      }
      complete &&= page.complete;
    }
    return { complete };
  }

  /** The AAP jobs API. */
  get jobs(): EdaAapJobs {
    return this.#jobs;
  }

  #remember(key: string, ref: EdaAapJobRef): void {
    this.#cache.delete(key);
    this.#cache.set(key, ref);
    while (this.#cache.size > MAX_CACHED_JOBS) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}
