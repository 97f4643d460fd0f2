/**
 * What every check reads: the trace, the ledger per resource, the engine's view of each
 * job (its newest persisted record), and the link between the provider's job ids and the
 * ledger's jobs.
 *
 * @module
 */
import { isUnsuccessful, type JobRecord, type JobType } from "@provisionkit/core";
import type { BlockRecord, CallRecord, Trace } from "../driver/trace.js";
import { shortVersion } from "../driver/world.js";
import type { ConformanceJob, RuleId, Violation } from "../types.js";
import { answeredJobId, callType, type LedgerView } from "./calls.js";
import { findRejected, type RejectedLaunch } from "./rejected.js";

/**
 * The earliest instant the engine can have known that a job ended unsuccessfully from the
 * backend: its end, its purge, or its timeout.
 */
export function knownEndedAt(job: ConformanceJob, jobTimeoutMs: number | undefined): number {
  return Math.min(
    job.finishedAt ?? Number.POSITIVE_INFINITY,
    job.purgedAt ?? Number.POSITIVE_INFINITY,
    jobTimeoutMs === undefined ? Number.POSITIVE_INFINITY : job.createdAt + jobTimeoutMs,
  );
}

/** Facts derived once from a trace, shared by the checks. */
export class CheckContext implements LedgerView {
  /** Ledger jobs per resource key, oldest first. */
  readonly ledgerByKey = new Map<string, ConformanceJob[]>();
  /** The engine's newest record of each job, per resource key, by `type|jobId`. */
  readonly views = new Map<string, Map<string, JobRecord>>();
  /** Launch answers the engine rejected. */
  readonly rejected: RejectedLaunch[];
  /** Ledger jobs the engine could never know of (created by a rejected launch, never recorded). */
  readonly disowned: Set<string>;
  readonly #providerId = new Map<string, string>();
  readonly #origin = new Map<string, CallRecord>();

  /** @param trace - the run. */
  constructor(readonly trace: Trace) {
    for (const job of [...trace.ledger].sort((a, b) => a.createdAt - b.createdAt)) {
      const list = this.ledgerByKey.get(job.resourceKey) ?? [];
      list.push(job);
      this.ledgerByKey.set(job.resourceKey, list);
    }
    for (const persist of trace.persists) {
      const view = this.views.get(persist.resourceKey) ?? new Map<string, JobRecord>();
      for (const record of persist.status.jobs) view.set(`${record.type}|${record.jobId}`, record);
      this.views.set(persist.resourceKey, view);
    }
    this.#link();
    const found = findRejected(this);
    this.rejected = found.rejected;
    this.disowned = found.disowned;
  }

  /** `t+12.5s`: a virtual instant relative to the start of the run. */
  t(at: number | undefined): string {
    return at === undefined ? "never" : `t+${(at - this.trace.start) / 1000}s`;
  }

  /** A ledger job for messages: `provision mem-3 of 1a2b3c4d (created t+0s, ended succeeded at t+30s)`. */
  label(job: ConformanceJob): string {
    const version = job.configVersion === undefined ? "" : ` of ${shortVersion(job.configVersion)}`;
    const end =
      job.finishedAt === undefined
        ? "still active"
        : `ended ${job.outcome ?? "?"} at ${this.t(job.finishedAt)}`;
    return `${job.operation} ${job.id}${version} (created ${this.t(job.createdAt)}, ${end})`;
  }

  /** A violation. */
  violation(rule: RuleId, message: string): Violation {
    return { rule, message: `${rule}: ${message}` };
  }

  /** The jobs of a resource, oldest first. */
  jobs(key: string, operation?: JobType): ConformanceJob[] {
    const all = this.ledgerByKey.get(key) ?? [];
    return operation === undefined ? all : all.filter((j) => j.operation === operation);
  }

  /** The id the provider knows a ledger job by, when it was seen. */
  providerIdOf(job: ConformanceJob): string | undefined {
    return this.#providerId.get(job.id);
  }

  /** The call that launched (or first found) a ledger job. */
  originOf(job: ConformanceJob): CallRecord | undefined {
    return this.#origin.get(job.id);
  }

  /** The ledger job a provider job id stood for at `at` (the latest one linked before). */
  ledgerJob(
    key: string,
    type: JobType,
    providerId: string,
    at = Number.POSITIVE_INFINITY,
  ): ConformanceJob | undefined {
    return this.jobs(key, type)
      .filter((j) => this.#providerId.get(j.id) === providerId && j.createdAt <= at)
      .at(-1);
  }

  /** The engine's newest record of a ledger job, matched by correlation id, else by id. */
  recordOf(job: ConformanceJob): JobRecord | undefined {
    const view = this.views.get(job.resourceKey);
    if (!view) return undefined;
    if (job.correlationId !== undefined) {
      for (const record of view.values()) {
        if (record.type === job.operation && record.correlationId === job.correlationId)
          return record;
      }
      return undefined;
    }
    const id = this.#providerId.get(job.id);
    return id === undefined ? undefined : view.get(`${job.operation}|${id}`);
  }

  /**
   * The launch a resource was left blocked on at the end, awaiting a human (the engine asked
   * for a resolution, none came, and its marker still names that launch): the engine holds
   * it unresolved, as E5 asks, so its job is neither lost nor a version to claim.
   */
  awaitingHuman(key: string): BlockRecord | undefined {
    const pending = this.trace.final.get(key)?.status?.pendingLaunch;
    if (!pending) return undefined;
    return this.trace.blocks.find(
      (b) =>
        b.resourceKey === key &&
        b.resolvedAt === undefined &&
        b.pending.correlationId === pending.correlationId,
    );
  }

  /**
   * When the engine stopped waiting on a block's launch without a human: the first status
   * written after the block whose marker no longer names that launch (it adopted the job,
   * or proved it absent). Undefined while it still does.
   */
  settledWithoutHuman(block: BlockRecord): number | undefined {
    return this.trace.persists.find(
      (p) =>
        p.resourceKey === block.resourceKey &&
        p.at >= block.at &&
        p.status.pendingLaunch?.correlationId !== block.pending.correlationId,
    )?.at;
  }

  /** The config version a provision job applies: the ledger's, else the one it was launched with. */
  versionOf(job: ConformanceJob): string | undefined {
    const origin = this.#origin.get(job.id);
    return (
      job.configVersion ??
      (origin?.method === "triggerProvision" ? origin.configVersion : undefined) ??
      this.recordOf(job)?.configVersion
    );
  }

  /** The engine counts the job as unsuccessful (whatever the backend says). */
  engineFailed(job: ConformanceJob): boolean {
    const record = this.recordOf(job);
    return record !== undefined && isUnsuccessful(record.state) && record.awaitingEnd !== true;
  }

  /**
   * When the engine first wrote its record of the job as unsuccessful (the record matched as
   * in {@link CheckContext.recordOf}), if it ever did: the engine knew of the failure by then
   * even when the backend's job did not fail (a job it adopted wrongly, read as not found).
   */
  engineFailedAt(job: ConformanceJob): number | undefined {
    const providerId = this.#providerId.get(job.id);
    for (const persist of this.trace.persists) {
      if (persist.resourceKey !== job.resourceKey) continue;
      const record = persist.status.jobs.find(
        (r) =>
          r.type === job.operation &&
          (job.correlationId !== undefined
            ? r.correlationId === job.correlationId
            : providerId !== undefined && r.jobId === providerId),
      );
      if (record && isUnsuccessful(record.state) && record.awaitingEnd !== true) return persist.at;
    }
    return undefined;
  }

  /**
   * The earliest instant the engine can have known that a job ended unsuccessfully: its end
   * in the backend, its purge or its timeout ({@link knownEndedAt}), or the engine's own
   * record of it as unsuccessful, whichever came first.
   */
  failureKnownAt(job: ConformanceJob): number {
    return Math.min(
      knownEndedAt(job, this.trace.options.jobTimeoutMs),
      this.engineFailedAt(job) ?? Number.POSITIVE_INFINITY,
    );
  }

  /** The `blockDeletionOnFailure` the provider declared for a deprovision job. */
  declaredBlock(job: ConformanceJob): boolean | undefined {
    const origin = this.#origin.get(job.id);
    const value = origin?.outcome.ok
      ? (origin.outcome.value as { blockDeletionOnFailure?: unknown } | undefined)
      : undefined;
    return typeof value?.blockDeletionOnFailure === "boolean"
      ? value.blockDeletionOnFailure
      : undefined;
  }

  #link(): void {
    const lookups = this.trace.calls.filter(
      (c) =>
        c.method === "triggerProvision" ||
        c.method === "triggerDeprovision" ||
        c.method === "findJob",
    );
    for (const call of lookups) {
      const id = answeredJobId(call);
      const type = callType(call);
      if (id === undefined || type === undefined) continue;
      const candidates = this.jobs(call.resourceKey, type);
      const before = new Set((call.ledgerBefore ?? []).map((j) => j.id));
      const created = (call.ledgerAfter ?? []).filter(
        (j) => !before.has(j.id) && j.operation === type && j.resourceKey === call.resourceKey,
      );
      const job =
        candidates.find(
          (j) => j.correlationId !== undefined && j.correlationId === call.correlationId,
        ) ??
        (created.length === 1 ? candidates.find((j) => j.id === created[0]?.id) : undefined) ??
        candidates.find((j) => j.id === id);
      if (!job) continue;
      if (!this.#providerId.has(job.id)) this.#providerId.set(job.id, id);
      if (!this.#origin.has(job.id)) this.#origin.set(job.id, call);
    }
    for (const [key, view] of this.views) {
      for (const record of view.values()) {
        const job =
          this.jobs(key, record.type).find((j) => j.correlationId === record.correlationId) ??
          this.jobs(key, record.type).find((j) => j.id === record.jobId);
        if (job && !this.#providerId.has(job.id)) this.#providerId.set(job.id, record.jobId);
      }
    }
  }
}
