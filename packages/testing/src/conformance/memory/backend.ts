/**
 * An in-memory automation backend on a virtual clock: the reference backend of the
 * conformance suite. Its job ledger is the out-of-band truth the checks read.
 *
 * @module
 */
import { JobState, isTerminal, type JobType } from "@provisionkit/core";
import type { Clock } from "../../clock.js";
import type { ConformanceJob, ConformanceJobScript, HeldRequestKind } from "../types.js";
import { queuedMsOf } from "../job-script.js";
import {
  MEMORY_FAILURE_KINDS,
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
 * Which requests a fault applies to: launches only, reads only (status reads, lookups and
 * cancels), cancels only, or any.
 */
export type MemoryRequests = "launches" | "reads" | "cancels" | "all";

interface PendingFault {
  count: number;
  requests: MemoryRequests;
}

/**
 * The kinds of request a provider passes through {@link MemoryBackend.request}: a launch, a
 * read (a status read or a lookup), or a cancel.
 */
export type MemoryRequestKind = "launch" | "read" | "cancel";

/** Which faults each kind of request meets: a cancel counts as a read too. */
const FAULTS_OF: Record<MemoryRequestKind, readonly MemoryRequests[]> = {
  launch: ["all", "launches"],
  read: ["all", "reads"],
  cancel: ["all", "reads", "cancels"],
};

function applies(fault: PendingFault, kind: MemoryRequestKind): boolean {
  return fault.count > 0 && FAULTS_OF[kind].includes(fault.requests);
}

/**
 * Jobs that run on the clock: created by {@link MemoryBackend.launch}, Running after a
 * second, ending after their scripted duration (default 30 s), canceled a second after a
 * cancel request. Requests can be made to fail (429 on launches, or on any request; 503 on
 * any request, or on reads only), a launch request's answer can be lost after the
 * backend carried it out (504), and reads and cancels can be held unanswered.
 */
export class MemoryBackend {
  /** The clock every time comes from. */
  readonly clock: Clock;
  readonly #jobs: MemoryJob[] = [];
  readonly #scripts: Record<JobType, ConformanceJobScript[]> = { provision: [], deprovision: [] };
  readonly #durationMs: number;
  readonly #cancelDelayMs: number;
  #seq = 0;
  #rateLimited: PendingFault & { retryAfterMs: number } = {
    count: 0,
    requests: "launches",
    retryAfterMs: 0,
  };
  #unavailable: PendingFault = { count: 0, requests: "all" };
  readonly #lostAnswers: Record<JobType, number> = { provision: 0, deprovision: 0 };
  readonly #holds: { kind: HeldRequestKind; count: number; onHeld: () => void }[] = [];
  /** Each held request's settle function, with its kind. */
  readonly #held = new Map<(outcome: "released" | "dropped") => void, HeldRequestKind>();

  /** @param options - clock and timings. */
  constructor(options: MemoryBackendOptions) {
    this.clock = options.clock;
    this.#durationMs = options.defaultDurationMs ?? 30_000;
    this.#cancelDelayMs = options.cancelDelayMs ?? 1_000;
  }

  /**
   * Pass a request through the fault gate: throws a {@link MemoryBackendFault} while faults
   * that apply to it are pending (503 first, then 429).
   */
  request(kind: MemoryRequestKind): void {
    if (applies(this.#unavailable, kind)) {
      this.#unavailable.count--;
      throw new MemoryBackendFault(503);
    }
    if (applies(this.#rateLimited, kind)) {
      this.#rateLimited.count--;
      throw new MemoryBackendFault(429, this.#rateLimited.retryAfterMs);
    }
  }

  /**
   * Hold the next `count` requests of `kind` (status reads and lookups, cancels, launches)
   * unanswered until {@link MemoryBackend.releaseHeld}, calling `onHeld` as each one is held.
   * A provider passes each such request through {@link MemoryBackend.hold} first. The memory
   * backend has no templates: `template` holds nothing.
   */
  holdNext(kind: HeldRequestKind, count: number, onHeld: () => void = () => undefined): void {
    if (count > 0) this.#holds.push({ kind, count, onHeld });
  }

  /**
   * The hold gate of a request of `kind`: undefined when no hold applies; otherwise the
   * request is held (its hold's `onHeld` told) and the promise says how it ends: `released`
   * (it goes on), or `dropped` (a launch: never carried out).
   */
  hold(kind: HeldRequestKind): Promise<"released" | "dropped"> | undefined {
    const rule = this.#holds.find((h) => h.kind === kind && h.count > 0);
    if (!rule) return undefined;
    rule.count--;
    const released = new Promise<"released" | "dropped">((resolve) =>
      this.#held.set(resolve, kind),
    );
    rule.onHeld();
    return released;
  }

  /** Release every held request; held launches are dropped, never carried out. */
  releaseHeld(): void {
    for (const [release, kind] of this.#held) release(kind === "launch" ? "dropped" : "released");
    this.#held.clear();
  }

  /**
   * Deliver the answer of a launch request of `operation` the backend carried out: throws a
   * 504 {@link MemoryBackendFault} when that answer is to be lost (see
   * {@link MemoryBackend.loseNextAnswer}).
   */
  deliver(operation: JobType): void {
    if (this.#lostAnswers[operation] === 0) return;
    this.#lostAnswers[operation]--;
    throw new MemoryBackendFault(504);
  }

  /** Create a job (a launch request: faults apply). */
  launch(launch: MemoryLaunch): MemoryJob {
    this.request("launch");
    const script = this.#scripts[launch.operation].shift() ?? {};
    const now = this.clock.now();
    const duration = script.neverFinishes
      ? Number.POSITIVE_INFINITY
      : (script.durationMs ?? this.#durationMs);
    // Queued: Pending (and visible) for `queuedMs` before its duration starts counting.
    const start = now + (script.queuedMs ?? 0);
    const job: MemoryJob = {
      ...launch,
      id: `mem-${++this.#seq}`,
      createdAt: now,
      state: JobState.Pending,
      startAt: start + Math.min(1_000, duration),
      endAt: start + duration,
      outcome: script.outcome ?? "succeeded",
      ...(script.failureKind === undefined ? {} : { failureKind: script.failureKind }),
    };
    this.#jobs.push(job);
    return job;
  }

  /**
   * Create a job outside any launch request (no fault gate, no script taken), ended as
   * succeeded at once: a stray job of the resource, for the conformance suite's
   * `launchStray` control.
   */
  stray(launch: MemoryLaunch): MemoryJob {
    const now = this.clock.now();
    const job: MemoryJob = {
      ...launch,
      id: `mem-${++this.#seq}`,
      createdAt: now,
      state: JobState.Succeeded,
      startAt: now,
      endAt: now,
      outcome: "succeeded",
      finishedAt: now,
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
    const { failureKind } = script;
    queuedMsOf(script);
    if (
      failureKind !== undefined &&
      (script.outcome !== "failed" || !MEMORY_FAILURE_KINDS.includes(failureKind))
    ) {
      throw new RangeError(
        `failureKind ${JSON.stringify(failureKind)} needs outcome "failed" and one of ` +
          MEMORY_FAILURE_KINDS.map((k) => JSON.stringify(k)).join(", "),
      );
    }
    this.#scripts[operation].push({ ...script });
  }

  /**
   * Answer the next `count` launch requests (or, with `requests`, reads or any request)
   * with 429 and `Retry-After`.
   */
  rateLimitNext(count: number, retryAfterMs: number, requests: MemoryRequests = "launches"): void {
    this.#rateLimited = { count: this.#rateLimited.count + count, requests, retryAfterMs };
  }

  /** Answer the next `count` requests (or, with `requests`, only launches or reads) with 503. */
  failNext(count: number, requests: MemoryRequests = "all"): void {
    this.#unavailable = { count: this.#unavailable.count + count, requests };
  }

  /**
   * Carry out the next `count` launch requests of `operation` (a `triggerProvision` or
   * `triggerDeprovision`, whatever it answers), then lose their answers: the caller gets a
   * 504 and cannot know what happened.
   */
  loseNextAnswer(operation: JobType, count = 1): void {
    this.#lostAnswers[operation] += count;
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
