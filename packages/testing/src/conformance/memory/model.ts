/**
 * The memory backend's jobs, faults and provider options, and how jobs read in the
 * conformance ledger.
 *
 * @module
 */
import { JobState, type JobType } from "@provisionkit/core";
import { withEnd } from "../ledger-entry.js";
import type { ConformanceJob } from "../types.js";

/** One job of a {@link MemoryBackend}. */
export interface MemoryJob {
  /** `mem-<n>`. */
  readonly id: string;
  /** `namespace/name` of the resource. */
  readonly resourceKey: string;
  /** The resource's `metadata.uid` at launch, when it had one. */
  readonly resourceUid?: string;
  /** Provision or deprovision. */
  readonly operation: JobType;
  /** The correlation id of the launch. */
  readonly correlationId: string;
  /** For provisions: the config version it applies. */
  readonly configVersion?: string;
  /** For deprovisions: what the provider declared (E4). */
  readonly blockDeletionOnFailure?: boolean;
  /** Creation time (epoch ms). */
  readonly createdAt: number;
  /** Current state, as of the last {@link MemoryBackend.settle}. */
  state: JobState;
  /** When it starts running. */
  startAt: number;
  /** When it ends by itself (`Infinity`: never). */
  endAt: number;
  /** How it ends by itself. */
  outcome: "succeeded" | "failed";
  /**
   * With `outcome: "failed"`: the other failure state it ends in (`error`, the only one of
   * this backend; absent: the plain failure).
   */
  failureKind?: string;
  /** When it reached a terminal state. */
  finishedAt?: number;
  /** When a cancel was first asked for. */
  cancelRequestedAt?: number;
  /** When it was purged. */
  purgedAt?: number;
}

/**
 * The memory backend's failure states beside the plain failure (its harness's
 * `controls.failureKinds`): `error`, a job the backend could not run at all, as AWX's. Its
 * provider reports it Failed like any failure; the state is here so that the reference
 * harness runs every scenario, the `failure-kinds` one included.
 */
export const MEMORY_FAILURE_KINDS: readonly string[] = Object.freeze(["error"]);

const FAULT_TEXT = {
  429: "429 Too Many Requests",
  503: "503 Service Unavailable",
  504: "504 Gateway Timeout",
} as const;

/**
 * What a {@link MemoryBackend} answers instead of doing a request (429, 503), or instead of
 * the answer of a request it carried out (504: the answer was lost).
 */
export class MemoryBackendFault extends Error {
  /**
   * @param status - 429 (rate limited), 503 (unavailable) or 504 (done, answer lost).
   * @param retryAfterMs - for 429: how long to wait.
   */
  constructor(
    readonly status: 429 | 503 | 504,
    readonly retryAfterMs = 0,
  ) {
    super(FAULT_TEXT[status]);
    this.name = "MemoryBackendFault";
  }
}

/** What a launch asks the backend for. */
export interface MemoryLaunch {
  /** `namespace/name`. */
  resourceKey: string;
  /**
   * The resource's `metadata.uid` at launch, when it had one: a resource deleted and
   * re-created under the same name is another resource (P10).
   */
  resourceUid?: string;
  /** Provision or deprovision. */
  operation: JobType;
  /** The correlation id of the launch; `""` for a job launched by hand (no launch record). */
  correlationId: string;
  /** For provisions. */
  configVersion?: string;
  /** For deprovisions. */
  blockDeletionOnFailure?: boolean;
}

const OUTCOME: Partial<Record<JobState, ConformanceJob["outcome"]>> = {
  [JobState.Succeeded]: "succeeded",
  [JobState.Failed]: "failed",
  [JobState.Canceled]: "canceled",
};

/** Options of {@link MemoryProvider}. */
export interface MemoryProviderOptions {
  /** The provider's name (default `memory`). */
  name?: string;
  /** Implement `findJob` (default true). */
  findJob?: boolean;
  /** Cancel running jobs: implement `cancelJob`, and cancel in `triggerDeprovision` (default true). */
  cancel?: boolean;
  /** What deprovisions declare (default true). */
  blockDeletionOnFailure?: boolean;
  /** The credential it "uses": never in a result or an error (P1). */
  token?: string;
  /**
   * What it declares as `launchSettleMs` (default 0: the memory backend creates a job
   * inside the launch call, so once the call ended, a lookup that finds nothing proves
   * absence). `null` declares no bound, as a provider whose backend gives none.
   */
  launchSettleMs?: number | null;
}

/** A memory job as the conformance suite's ledger shows it. */
export function toConformanceJob(job: MemoryJob): ConformanceJob {
  const entry: ConformanceJob = {
    id: job.id,
    resourceKey: job.resourceKey,
    operation: job.operation,
    createdAt: job.createdAt,
  };
  if (job.correlationId !== "") entry.correlationId = job.correlationId;
  if (job.configVersion !== undefined) entry.configVersion = job.configVersion;
  return withEnd(entry, OUTCOME[job.state], job);
}
