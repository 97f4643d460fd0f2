/**
 * An in-memory automation backend on a virtual clock: the reference backend of the
 * conformance suite. Its job ledger is the out-of-band truth the checks read.
 *
 * @module
 */
import { JobState, isTerminal, type JobType } from "@provisionkit/core";
import type { Clock } from "../../clock.js";
import type { ConformanceJob, ConformanceJobScript } from "../types.js";
import {
  MemoryBackendFault,
  toConformanceJob,
  type MemoryJob,
  type MemoryLaunch,
} from "./model.js";

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Source of every time. */
  clock: Clock;
  /** How long a job runs unless scripted (default 30 000 ms). */
  defaultDurationMs?: number;
  /** How long a cancel takes to land (default 1 000 ms). */
  cancelDelayMs?: number;
}

/**
 * Jobs that run on the clock: created by {@link MemoryBackend.launch}, Running after a
 * second, ending after their scripted duration (default 30 s), canceled a second after a
 * cancel request. Requests can be made to fail (429 on launches, 503 on anything).
 */
export class MemoryBackend {
  /** The clock every time comes from. */
  readonly clock: Clock;
  readonly #jobs: MemoryJob[] = [];
  readonly #scripts: Record<JobType, ConformanceJobScript[]> = { provision: [], deprovision: [] };
  readonly #durationMs: number;
  readonly #cancelDelayMs: number;
  #seq = 0;
  #rateLimited: { count: number; retryAfterMs: number } = { count: 0, retryAfterMs: 0 };
  #unavailable = 0;

  /** @param options - clock and timings. */
  constructor(options: MemoryBackendOptions) {
    this.clock = options.clock;
    this.#durationMs = options.defaultDurationMs ?? 30_000;
    this.#cancelDelayMs = options.cancelDelayMs ?? 1_000;
  }

  /**
   * Pass a request through the fault gate: throws a {@link MemoryBackendFault} while faults
   * are pending (503 for any request, 429 for launches).
   */
  request(kind: "launch" | "read"): void {
    if (this.#unavailable > 0) {
      this.#unavailable--;
      throw new MemoryBackendFault(503);
    }
    if (kind === "launch" && this.#rateLimited.count > 0) {
      this.#rateLimited.count--;
      throw new MemoryBackendFault(429, this.#rateLimited.retryAfterMs);
    }
  }

  /** Create a job (a launch request: faults apply). */
  launch(launch: MemoryLaunch): MemoryJob {
    this.request("launch");
    const script = this.#scripts[launch.operation].shift() ?? {};
    const now = this.clock.now();
    const duration = script.neverFinishes
      ? Number.POSITIVE_INFINITY
      : (script.durationMs ?? this.#durationMs);
    const job: MemoryJob = {
      ...launch,
      id: `mem-${++this.#seq}`,
      createdAt: now,
      state: JobState.Pending,
      startAt: now + Math.min(1_000, duration),
      endAt: now + duration,
      outcome: script.outcome ?? "succeeded",
    };
    this.#jobs.push(job);
    return job;
  }

  /** A job by id, brought up to date; `undefined` when unknown or purged. No fault gate. */
  job(id: string): MemoryJob | undefined {
    this.settle();
    const job = this.#jobs.find((j) => j.id === id);
    return job && job.purgedAt === undefined ? job : undefined;
  }

  /** The jobs of a resource that are not purged, oldest first, brought up to date. */
  jobsFor(resourceKey: string): MemoryJob[] {
    this.settle();
    return this.#jobs.filter((j) => j.resourceKey === resourceKey && j.purgedAt === undefined);
  }

  /** Ask for a job to be canceled (idempotent; ignored once it ended). */
  cancel(id: string): void {
    const job = this.job(id);
    if (job && !isTerminal(job.state) && job.cancelRequestedAt === undefined) {
      job.cancelRequestedAt = this.clock.now();
    }
  }

  /** Purge a job: it answers "not found" from now on. */
  purge(id: string): void {
    this.settle();
    const job = this.#jobs.find((j) => j.id === id);
    if (job && job.purgedAt === undefined) job.purgedAt = this.clock.now();
  }

  /** How the next job of `operation` plays out. */
  scriptNext(operation: JobType, script: ConformanceJobScript): void {
    this.#scripts[operation].push({ ...script });
  }

  /** Answer the next `count` launch requests with 429 and `Retry-After`. */
  rateLimitNext(count: number, retryAfterMs: number): void {
    this.#rateLimited = { count: this.#rateLimited.count + count, retryAfterMs };
  }

  /** Answer the next `count` requests with 503. */
  failNext(count: number): void {
    this.#unavailable += count;
  }

  /** Bring every job up to the clock's time. */
  settle(): void {
    const now = this.clock.now();
    for (const job of this.#jobs) {
      if (isTerminal(job.state)) continue;
      const canceledAt =
        job.cancelRequestedAt === undefined
          ? Number.POSITIVE_INFINITY
          : job.cancelRequestedAt + this.#cancelDelayMs;
      if (now >= canceledAt && canceledAt <= job.endAt) {
        job.state = JobState.Canceled;
        job.finishedAt = canceledAt;
      } else if (now >= job.endAt) {
        job.state = job.outcome === "succeeded" ? JobState.Succeeded : JobState.Failed;
        job.finishedAt = job.endAt;
      } else if (now >= job.startAt) {
        job.state = JobState.Running;
      }
    }
  }

  /** Every job ever created, as the conformance suite reads it. */
  ledger(): ConformanceJob[] {
    this.settle();
    return this.#jobs.map(toConformanceJob);
  }
}
