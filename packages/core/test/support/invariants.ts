/**
 * The engine invariants (E1–E5 of DESIGN.md), checked out-of-band: against the memory
 * backend's ledger (the truth about which jobs ran when) and against every status the
 * engine persisted. Each check returns the violations it found, each message starting
 * with the invariant's id, so a failing property names the rule it broke.
 */
import {
  ConditionType,
  JobState,
  backoffDelay,
  findCondition,
  isTerminal,
  isUnsuccessful,
  latestJob,
  type BackoffPolicy,
  type JobRecord,
  type JobType,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { overlappingJobs, type LedgerJob } from "./memory-backend.js";

/** A failed invariant; the message lists every violation, one a line. */
export class InvariantViolation extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "InvariantViolation";
  }
}

/** Throw an {@link InvariantViolation} when `problems` is not empty. */
export function assertNoViolations(problems: readonly string[], context = ""): void {
  if (problems.length === 0) return;
  throw new InvariantViolation(context ? problems.map((p) => `${p} [${context}]`) : problems);
}

/**
 * What the engine knows about each job: the newest record of it in any status it
 * persisted (keyed by job id; ledger ids are unique across the backend).
 */
export type EngineView = Map<string, JobRecord>;

/** Fold a persisted status into the engine view. */
export function observe(view: EngineView, status: ProvisioningStatus): void {
  for (const job of status.jobs) view.set(job.jobId, job);
}

function isLedgerUnsuccessful(job: LedgerJob): boolean {
  return job.state === JobState.Failed || job.state === JobState.Canceled;
}

/** The engine counts the job as failed: the backend says so, or the engine decided so (timeout, P4). */
function failed(job: LedgerJob, view: EngineView): boolean {
  const record = view.get(job.id);
  return isLedgerUnsuccessful(job) || (record !== undefined && isUnsuccessful(record.state));
}

/**
 * The earliest instant at which the engine can have known that `job` ended
 * unsuccessfully: when the backend finished it, or when the job timeout made the engine
 * mark it `Failed` (whichever comes first).
 */
function knownEndedAt(job: LedgerJob, jobTimeoutMs: number | undefined): number {
  const finished = job.finishedAt ?? Number.POSITIVE_INFINITY;
  const timedOut =
    jobTimeoutMs === undefined ? Number.POSITIVE_INFINITY : job.createdAt + jobTimeoutMs;
  return Math.min(finished, timedOut);
}

function jobsOf(ledger: readonly LedgerJob[], type: JobType): LedgerJob[] {
  return ledger.filter((j) => j.type === type);
}

function label(job: LedgerJob): string {
  const version = job.configVersion === undefined ? "" : ` of ${job.configVersion.slice(0, 14)}`;
  return `${job.type} ${job.id}${version} (${job.state}, created ${job.createdAt}${
    job.finishedAt === undefined ? "" : `, finished ${job.finishedAt}`
  })`;
}

// ------------------------------------------------------------------------------- E1

/** E1: at most one non-terminal job per resource at any instant. */
export function e1Violations(ledger: readonly LedgerJob[]): string[] {
  return overlappingJobs(ledger).map((p) => `E1 violated: ${p}`);
}

// ------------------------------------------------------------------------------- E2

/** Timing the E2 and E4 backoff checks need. */
export interface BackoffTiming {
  provisionBackoff: BackoffPolicy;
  deprovisionBackoff: BackoffPolicy;
  jobTimeoutMs: number | undefined;
}

/**
 * E2: (a) no two succeeded provision jobs of one config version without a provision of
 * another version launched between them; (b) after a failed provision, the next launch of
 * the same version waits at least the provision backoff of that attempt (the attempt
 * being the number of consecutive failed launches of that version), counted from the
 * earliest instant the engine can have known of the failure.
 */
export function e2Violations(
  ledger: readonly LedgerJob[],
  view: EngineView,
  timing: BackoffTiming,
): string[] {
  const problems: string[] = [];
  const provisions = jobsOf(ledger, "provision");
  let lastSucceeded: LedgerJob | undefined;
  let run = 0; // consecutive failed launches of the current version
  for (let i = 0; i < provisions.length; i++) {
    const job = provisions[i]!;
    const previous = i > 0 ? provisions[i - 1] : undefined;
    if (previous && previous.configVersion !== job.configVersion) {
      lastSucceeded = undefined;
      run = 0;
    }
    if (previous && previous.configVersion === job.configVersion && run > 0) {
      const earliest =
        knownEndedAt(previous, timing.jobTimeoutMs) + backoffDelay(timing.provisionBackoff, run);
      if (job.createdAt < earliest) {
        problems.push(
          `E2 violated: ${label(job)} was launched ${earliest - job.createdAt} ms before the provision backoff after ${run} failed attempt(s) (${label(previous)}) allowed`,
        );
      }
    }
    if (job.state === JobState.Succeeded) {
      if (lastSucceeded) {
        problems.push(
          `E2 violated: two succeeded provision jobs of one config version with no other version launched between them: ${label(lastSucceeded)} and ${label(job)}`,
        );
      }
      lastSucceeded = job;
    }
    run = failed(job, view) ? run + 1 : 0;
  }
  return problems;
}

// ------------------------------------------------------------------------------- E3

/** The ledger's latest (by launch) succeeded provision job. */
export function latestSucceededProvision(ledger: readonly LedgerJob[]): LedgerJob | undefined {
  return jobsOf(ledger, "provision")
    .filter((j) => j.state === JobState.Succeeded)
    .at(-1);
}

/**
 * E3, for every persisted status: the reconciled version is one a provision job of the
 * backend was launched with and succeeded with (the engine never takes a version it did
 * not launch, P4); Ready is True iff not deleting and desired == reconciled.
 */
export function e3StatusViolations(
  status: ProvisioningStatus,
  deleting: boolean,
  ledger: readonly LedgerJob[],
): string[] {
  const problems: string[] = [];
  const reconciled = status.reconciledConfigVersion;
  if (
    reconciled !== undefined &&
    !ledger.some(
      (j) =>
        j.type === "provision" && j.configVersion === reconciled && j.state === JobState.Succeeded,
    )
  ) {
    problems.push(
      `E3 violated: reconciledConfigVersion ${reconciled} is not the version of any succeeded provision job in the backend`,
    );
  }
  const ready = findCondition(status.conditions, ConditionType.Ready)?.status === "True";
  const shouldBeReady =
    !deleting &&
    status.desiredConfigVersion !== undefined &&
    status.desiredConfigVersion === reconciled;
  if (ready !== shouldBeReady) {
    problems.push(
      `E3 violated: Ready is ${ready ? "True" : "not True"} with desired=${status.desiredConfigVersion ?? "-"} reconciled=${reconciled ?? "-"} deleting=${String(deleting)}`,
    );
  }
  return problems;
}

/**
 * E3 at quiescence of a resource that is not being deleted: the reconciled version is
 * the one of the backend's latest succeeded provision job, desired == reconciled, and the
 * resource is Ready. (A deleted resource's status is checked per persist and by E4.)
 */
export function e3FinalViolations(
  status: ProvisioningStatus | undefined,
  ledger: readonly LedgerJob[],
  desired: string,
  deleting: boolean,
): string[] {
  const problems: string[] = [];
  if (deleting) return problems;
  const latest = latestSucceededProvision(ledger);
  const reconciled = status?.reconciledConfigVersion;
  if (reconciled !== latest?.configVersion) {
    problems.push(
      `E3 violated: at quiescence reconciledConfigVersion is ${reconciled ?? "unset"} but the latest succeeded provision job in the backend is ${latest ? label(latest) : "none"}`,
    );
  }
  if (reconciled !== desired) {
    problems.push(
      `E3 violated: at quiescence desired ${desired} != reconciled ${reconciled ?? "unset"}`,
    );
  }
  const ready = status && findCondition(status.conditions, ConditionType.Ready);
  if (ready?.status !== "True") {
    problems.push(`E3 violated: at quiescence Ready is ${ready?.status ?? "absent"}, not True`);
  }
  return problems;
}

// ------------------------------------------------------------------------------- E4

/**
 * E4, at the moment the finalizer is released: the latest deprovision job succeeded; or
 * the provider answered `skipped` and no provision job ever existed in the backend; or
 * the latest deprovision failed with `blockDeletionOnFailure=false`. And no provision
 * job may still be active in the backend.
 */
export function e4ReleaseViolations(
  status: ProvisioningStatus | undefined,
  ledger: readonly LedgerJob[],
  view: EngineView,
): string[] {
  const problems: string[] = [];
  for (const job of jobsOf(ledger, "provision")) {
    if (!isTerminal(job.state)) {
      problems.push(`E4 violated: finalizer released while ${label(job)} is still active`);
    }
  }
  const deprovisions = jobsOf(ledger, "deprovision");
  const latest = deprovisions.at(-1);
  if (status?.deprovisionSkipped) {
    const provisions = jobsOf(ledger, "provision");
    if (provisions.length > 0) {
      problems.push(
        `E4 violated: finalizer released after a skipped deprovision, but the backend ran ${provisions.map(label).join(", ")}`,
      );
    }
    if (latest && latest.state !== JobState.Succeeded && latest.blockDeletionOnFailure !== false) {
      problems.push(`E4 violated: finalizer released after a skip while ${label(latest)}`);
    }
    return problems;
  }
  if (!latest) {
    problems.push("E4 violated: finalizer released with no deprovision job and no skip");
    return problems;
  }
  if (latest.state === JobState.Succeeded && !failed(latest, view)) return problems;
  if (failed(latest, view) && latest.blockDeletionOnFailure === false) return problems;
  problems.push(
    `E4 violated: finalizer released while the latest deprovision job is ${label(latest)} (engine: ${
      view.get(latest.id)?.state ?? "never recorded"
    }, blockDeletionOnFailure=${String(latest.blockDeletionOnFailure)})`,
  );
  return problems;
}

/**
 * E4 while deleting: a failed deprovision that blocks deletion shows a True
 * `DeletionBlocked` condition.
 */
export function e4BlockedViolations(status: ProvisioningStatus | undefined): string[] {
  if (!status) return [];
  const job = latestJob(status.jobs, "deprovision");
  if (!job || !isUnsuccessful(job.state) || job.blockDeletionOnFailure === false) return [];
  const blocked = findCondition(status.conditions, ConditionType.DeletionBlocked);
  if (blocked?.status === "True") return [];
  return [
    `E4 violated: deprovision job ${job.jobId} ended ${job.state} and blocks deletion, but DeletionBlocked is ${blocked?.status ?? "absent"}`,
  ];
}

/**
 * E4 retries: after a failed deprovision the next one waits the capped exponential
 * deprovision backoff of that attempt; after a failed one that does not block deletion
 * there is no next one. The engine records each deprovision job's
 * `blockDeletionOnFailure` as the provider declared it.
 * A human's `LaunchResolution` passes the declared flag on, so this holds for adopted
 * jobs too.
 */
export function e4RetryViolations(
  ledger: readonly LedgerJob[],
  view: EngineView,
  timing: BackoffTiming,
): string[] {
  const problems: string[] = [];
  const deprovisions = jobsOf(ledger, "deprovision");
  const blocks = (job: LedgerJob): boolean | undefined => job.blockDeletionOnFailure;
  for (const job of deprovisions) {
    const record = view.get(job.id);
    if (record && record.blockDeletionOnFailure !== job.blockDeletionOnFailure) {
      problems.push(
        `E4 violated: the engine recorded blockDeletionOnFailure=${String(record.blockDeletionOnFailure)} for ${label(job)}, the provider declared ${String(job.blockDeletionOnFailure)}`,
      );
    }
  }
  let run = 0;
  for (let i = 1; i < deprovisions.length; i++) {
    const previous = deprovisions[i - 1]!;
    const job = deprovisions[i]!;
    run = failed(previous, view) ? run + 1 : 0;
    if (run === 0) {
      problems.push(
        `E4 violated: ${label(job)} was launched after ${label(previous)}, which the engine did not see fail`,
      );
      continue;
    }
    if (blocks(previous) === false) {
      problems.push(
        `E4 violated: ${label(job)} was launched after ${label(previous)} failed without blocking deletion (the finalizer should have been released)`,
      );
    }
    const earliest =
      knownEndedAt(previous, timing.jobTimeoutMs) + backoffDelay(timing.deprovisionBackoff, run);
    if (job.createdAt < earliest) {
      problems.push(
        `E4 violated: ${label(job)} was launched ${earliest - job.createdAt} ms before the deprovision backoff after ${run} failed attempt(s) (${label(previous)}) allowed`,
      );
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------- E5

/** E5, at all times: no launch is made twice (every backend job has its own correlation id). */
export function e5DuplicateViolations(ledger: readonly LedgerJob[]): string[] {
  const seen = new Map<string, LedgerJob>();
  const problems: string[] = [];
  for (const job of ledger) {
    const first = seen.get(job.correlationId);
    if (first) {
      problems.push(
        `E5 violated: ${label(first)} and ${label(job)} were launched with the same correlation id ${job.correlationId}`,
      );
    }
    seen.set(job.correlationId, job);
  }
  return problems;
}

/**
 * E5, between reconciles: no job is lost. Every backend job is recorded in some persisted
 * status, or is the job of the launch the persisted pending marker stands for (its
 * outcome not recorded yet: the next reconcile adopts it or reports it unknown).
 */
export function e5LostViolations(
  ledger: readonly LedgerJob[],
  view: EngineView,
  status: ProvisioningStatus | undefined,
): string[] {
  const pending = status?.pendingLaunch;
  return ledger
    .filter((job) => !view.has(job.id) && job.correlationId !== pending?.correlationId)
    .map(
      (job) =>
        `E5 violated: ${label(job)} (correlation id ${job.correlationId}) was launched, but neither its record nor its pending marker is in the persisted status: the job is lost`,
    );
}

/**
 * E5 at quiescence: no job is lost. Every backend job was recorded in a persisted status,
 * except, when the engine is blocked on an unknown launch outcome, the job of that
 * launch; and while blocked, nothing was launched after it.
 */
export function e5FinalViolations(
  ledger: readonly LedgerJob[],
  view: EngineView,
  status: ProvisioningStatus | undefined,
  canFindJob: boolean,
): string[] {
  const problems: string[] = [];
  const pending = status?.pendingLaunch;
  const unknown = status && findCondition(status.conditions, ConditionType.LaunchOutcomeUnknown);
  if (unknown?.status === "True") {
    if (canFindJob) {
      problems.push("E5 violated: LaunchOutcomeUnknown is True although the provider has findJob");
    }
    if (!pending) problems.push("E5 violated: LaunchOutcomeUnknown is True with no pending launch");
  }
  const blockedOn = unknown?.status === "True" ? pending : undefined;
  const since = blockedOn ? Date.parse(blockedOn.createdAt) : Number.POSITIVE_INFINITY;
  for (const job of ledger) {
    if (blockedOn && job.correlationId === blockedOn.correlationId) continue;
    if (job.createdAt > since) {
      problems.push(
        `E5 violated: ${label(job)} was launched while the outcome of launch ${blockedOn?.correlationId ?? ""} was unknown`,
      );
    } else if (!view.has(job.id)) {
      problems.push(
        `E5 violated: ${label(job)} (correlation id ${job.correlationId}) was launched but never recorded in the status`,
      );
    }
  }
  return problems;
}
