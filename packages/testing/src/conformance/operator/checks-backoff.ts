/**
 * Retries after failed jobs (E2 for provisions, E4 for blocked deprovisions): with
 * exponential backoff, not in a hot loop.
 *
 * @module
 */
import { backoffDelay, type BackoffPolicy, type JobType } from "@provisionkit/core";
import type { ConformanceJob, RuleId, Violation } from "../types.js";
import { keysOf } from "./checks-ledger.js";
import type { OperatorWorld } from "./world.js";

/**
 * The shortest wait accepted between a failed job's end and the next launch, ms, whatever the
 * configured backoff (half the fast timings' first backoff of 100 ms): a launch on the next
 * 20 ms poll is caught, the engine's own reaction time is not.
 */
export const MIN_RETRY_GAP_MS = 50;

/**
 * How much sooner than the configured backoff a retry may come, ms: the ledger's times and
 * the engine's `retryAt` (ISO-8601, whole ms) are rounded separately. The engine counts the
 * backoff from when it saw the failure, which is never before the backend's end of the job,
 * so a correct operator's waits are never shorter than the backoff.
 */
export const BACKOFF_SLACK_MS = 5;

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

function policyText(name: string, policy: BackoffPolicy): string {
  return `${name} { initialMs: ${policy.initialMs}, factor: ${policy.factor}, maxMs: ${policy.maxMs} }`;
}

/**
 * The waits of each retry run against the backoff the operator was configured with (the
 * suite's `engine` option over its fast timings, handed over as `env.engine`): no wait
 * shorter than a hot-loop floor; none shorter than the configured backoff of its attempt
 * (`initialMs * factor^(n-1)`, at most `maxMs`); and over three retries, a configuration
 * whose backoff does not grow (factor 1, or `maxMs` at `initialMs`) is not exponential.
 */
function checkRetries(
  world: OperatorWorld,
  operation: JobType,
  rule: RuleId,
  name: "provisionBackoff" | "deprovisionBackoff",
): Violation[] {
  const out: Violation[] = [];
  const policy = world.engine[name];
  const floor = MIN_RETRY_GAP_MS;
  for (const key of keysOf(world)) {
    for (const run of retryRuns(world, key, operation)) {
      const gaps = run.slice(1).map((job, i) => {
        const failed = run[i] as ConformanceJob;
        const expected = backoffDelay(policy, i + 1);
        return { failed, job, ms: job.createdAt - (failed.finishedAt ?? job.createdAt), expected };
      });
      const waits = gaps.map((g) => `${g.ms} ms`).join(", ");
      for (const gap of gaps) {
        if (gap.ms < floor) {
          out.push({
            rule,
            message: `${rule}: ${key}: ${world.label(gap.job)} was launched ${gap.ms} ms after ${world.label(gap.failed)} failed: a retry in a hot loop, with no backoff (at least ${floor} ms expected)`,
          });
        } else if (gap.ms < gap.expected - BACKOFF_SLACK_MS) {
          out.push({
            rule,
            message: `${rule}: ${key}: ${operation} retries waited ${waits} after each failure: ${world.label(gap.job)} came ${gap.ms} ms after the failure, sooner than the configured backoff of ${Math.round(gap.expected)} ms (${policyText(name, policy)}; configure it with the suite's engine option and build the controller with env.engine)`,
          });
        }
      }
      const first = gaps[0];
      const third = gaps[2];
      if (first && third && third.expected <= first.expected) {
        out.push({
          rule,
          message: `${rule}: ${key}: ${operation} retries waited ${waits} after each failure: the backoff does not grow (${policyText(name, policy)}); exponential backoff needs a factor above 1 and a maxMs above initialMs`,
        });
      }
    }
  }
  return out;
}

/** E2: a failed provision is retried with exponential backoff, not in a hot loop. */
export function checkProvisionRetries(world: OperatorWorld): Violation[] {
  return checkRetries(world, "provision", "E2", "provisionBackoff");
}

/** E4: a failed, blocked deprovision is retried with capped exponential backoff. */
export function checkDeprovisionRetries(world: OperatorWorld): Violation[] {
  return checkRetries(world, "deprovision", "E4", "deprovisionBackoff");
}
