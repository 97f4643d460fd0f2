/**
 * E4: the finalizer is released only when the deprovision succeeded, was skipped, or
 * failed with `blockDeletionOnFailure=false`; with `true`, deletion stays blocked, a
 * `DeletionBlocked` condition says why, and the deprovision is retried with capped
 * exponential backoff.
 *
 * @module
 */
import {
  ConditionType,
  backoffDelay,
  findCondition,
  isUnsuccessful,
  latestJob,
} from "@provisionkit/core";
import type { ReleaseRecord } from "../driver/trace.js";
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckContext } from "./context.js";

function blocks(ctx: CheckContext, job: ConformanceJob): boolean | undefined {
  return ctx.declaredBlock(job) ?? ctx.recordOf(job)?.blockDeletionOnFailure;
}

function releaseViolation(ctx: CheckContext, release: ReleaseRecord): string | undefined {
  const at = release.at;
  const jobs = ctx
    .jobs(release.resourceKey, "deprovision")
    .filter((j) => j.createdAt <= at && !ctx.disowned.has(j.id));
  const latest = jobs.at(-1);
  const active = latest && (latest.finishedAt === undefined || latest.finishedAt > at);
  if (active)
    return `the finalizer was released at ${ctx.t(at)} while ${ctx.label(latest)} was running`;
  if (release.status.deprovisionSkipped) return undefined;
  if (!latest)
    return `the finalizer was released at ${ctx.t(at)} with no deprovision job and no skipped answer`;
  const failed = latest.outcome !== "succeeded" || ctx.engineFailed(latest);
  if (!failed) return undefined;
  const block = blocks(ctx, latest);
  if (block === false) return undefined;
  return `the finalizer was released at ${ctx.t(at)} after ${ctx.label(latest)} failed, with blockDeletionOnFailure=${String(block)}`;
}

/** E4: releases, the DeletionBlocked condition, and deprovision retries. */
export function checkE4(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const release of ctx.trace.releases) {
    const problem = releaseViolation(ctx, release);
    if (problem) out.push(ctx.violation("E4", `${release.resourceKey}: ${problem}`));
  }
  const blockedSeen = new Set<string>();
  for (const persist of ctx.trace.persists) {
    const job = latestJob(persist.status.jobs, "deprovision");
    if (!persist.deleting || !job || !isUnsuccessful(job.state) || job.awaitingEnd) continue;
    if (job.blockDeletionOnFailure === false || blockedSeen.has(job.jobId)) continue;
    const condition = findCondition(persist.status.conditions, ConditionType.DeletionBlocked);
    if (condition?.status === "True") continue;
    blockedSeen.add(job.jobId);
    out.push(
      ctx.violation(
        "E4",
        `${persist.resourceKey}: deprovision job ${job.jobId} ended ${job.state} and blocks deletion, but the status written at ${ctx.t(persist.at)} has DeletionBlocked ${condition?.status ?? "absent"}`,
      ),
    );
  }
  const { deprovisionBackoff } = ctx.trace.options;
  for (const [key] of ctx.ledgerByKey) {
    const jobs = ctx.jobs(key, "deprovision").filter((j) => !ctx.disowned.has(j.id));
    for (const job of jobs) {
      const record = ctx.recordOf(job);
      const declared = ctx.declaredBlock(job);
      if (record && declared !== undefined && record.blockDeletionOnFailure !== declared) {
        out.push(
          ctx.violation(
            "E4",
            `${key}: the engine recorded blockDeletionOnFailure=${String(record.blockDeletionOnFailure)} for ${ctx.label(job)}; the provider declared ${String(declared)}`,
          ),
        );
      }
    }
    let run = 0;
    for (let i = 1; i < jobs.length; i++) {
      const previous = jobs[i - 1];
      const job = jobs[i];
      if (!previous || !job) continue;
      const failed =
        previous.outcome === "failed" ||
        previous.outcome === "canceled" ||
        ctx.engineFailed(previous);
      run = failed ? run + 1 : 0;
      if (!failed) {
        out.push(
          ctx.violation(
            "E4",
            `${key}: ${ctx.label(job)} was launched after ${ctx.label(previous)}, which did not fail`,
          ),
        );
        continue;
      }
      if (blocks(ctx, previous) === false) {
        out.push(
          ctx.violation(
            "E4",
            `${key}: ${ctx.label(job)} was launched after ${ctx.label(previous)} failed without blocking deletion (the finalizer should have been released)`,
          ),
        );
      }
      const earliest = ctx.failureKnownAt(previous) + backoffDelay(deprovisionBackoff, run);
      if (job.createdAt < earliest) {
        out.push(
          ctx.violation(
            "E4",
            `${key}: ${ctx.label(job)} was launched before the deprovision backoff after ${run} failed attempt(s) allowed (${ctx.t(earliest)})`,
          ),
        );
      }
    }
  }
  return out;
}
