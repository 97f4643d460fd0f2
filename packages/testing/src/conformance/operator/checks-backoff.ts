/**
 * Retries after failed jobs (E2 for provisions, E4 for blocked deprovisions): with
 * exponential backoff, not in a hot loop.
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import type { ConformanceJob, RuleId, Violation } from "../types.js";
import { keysOf } from "./checks-ledger.js";
import type { OperatorWorld } from "./world.js";

/**
 * The shortest wait accepted between a failed job's end and the next launch, ms: half the
 * first backoff of the suite's engine timings (`env.engine`, 100 ms), so a launch on the
 * next poll (20 ms) is caught, and the engine's own reaction time is not.
 */
export const MIN_RETRY_GAP_MS = 50;

/**
 * Over three retries in a row, the third wait must be at least this many times the first:
 * exponential backoff doubles (×4), a fixed delay stays ×1.
 */
export const MIN_BACKOFF_GROWTH = 1.5;

/** Runs of jobs of one operation, each retrying the failed one before it with no user write between. */
function retryRuns(world: OperatorWorld, key: string, operation: JobType): ConformanceJob[][] {
  const writes = world.userWrites.get(key) ?? [];
  const runs: ConformanceJob[][] = [];
  let run: ConformanceJob[] = [];
  for (const job of world.jobs(key, operation)) {
    const previous = run.at(-1);
    const retry =
      previous !== undefined &&
      previous.outcome !== undefined &&
      previous.outcome !== "succeeded" &&
      previous.finishedAt !== undefined &&
      !writes.some((w) => w > previous.createdAt && w <= job.createdAt);
    if (!retry && run.length > 1) runs.push(run);
    if (!retry) run = [];
    run.push(job);
  }
  if (run.length > 1) runs.push(run);
  return runs;
}

function checkRetries(world: OperatorWorld, operation: JobType, rule: RuleId): Violation[] {
  const out: Violation[] = [];
  for (const key of keysOf(world)) {
    for (const run of retryRuns(world, key, operation)) {
      const gaps = run.slice(1).map((job, i) => {
        const failed = run[i] as ConformanceJob;
        return { failed, job, ms: job.createdAt - (failed.finishedAt ?? job.createdAt) };
      });
      for (const gap of gaps) {
        if (gap.ms >= MIN_RETRY_GAP_MS) continue;
        out.push({
          rule,
          message: `${rule}: ${key}: ${world.label(gap.job)} was launched ${gap.ms} ms after ${world.label(gap.failed)} failed: a retry in a hot loop, with no backoff (at least ${MIN_RETRY_GAP_MS} ms expected)`,
        });
      }
      const first = gaps[0];
      const third = gaps[2];
      if (first && third && third.ms < first.ms * MIN_BACKOFF_GROWTH) {
        out.push({
          rule,
          message: `${rule}: ${key}: ${operation} retries waited ${gaps.map((g) => `${g.ms} ms`).join(", ")} after each failure: the backoff does not grow (the third wait should be at least ${MIN_BACKOFF_GROWTH}× the first)`,
        });
      }
    }
  }
  return out;
}

/** E2: a failed provision is retried with exponential backoff, not in a hot loop. */
export function checkProvisionRetries(world: OperatorWorld): Violation[] {
  return checkRetries(world, "provision", "E2");
}

/** E4: a failed, blocked deprovision is retried with capped exponential backoff. */
export function checkDeprovisionRetries(world: OperatorWorld): Violation[] {
  return checkRetries(world, "deprovision", "E4");
}
