/**
 * P3: every triggered job reaches a terminal state through the status calls, in bounded
 * time, given the resource as it then is.
 *
 * @module
 */
import { JobState, isTerminal, isJobState } from "@provisionkit/core";
import type { CallRecord } from "../driver/trace.js";
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/**
 * How long after a job's end in the backend its status may still read non-terminal (a
 * backend that reports through the resource needs a moment to write back).
 */
export const P3_GRACE_MS = 60_000;

function stateOf(call: CallRecord): string | undefined {
  if (!call.outcome.ok) return undefined;
  const state = (call.outcome.value as { state?: unknown } | undefined)?.state;
  return typeof state === "string" ? state : undefined;
}

/**
 * P3: a status read answering non-terminal, long after the ledger shows the job ended, with
 * no terminal answer after it; a job still active at the end although it was asked to
 * cancel; and a status read answering `Succeeded` while the ledger shows the job still active
 * (the terminal state a job reaches is its own: a success read from an older job's traces,
 * say a write-back another run of the same version left, makes the resource Ready, or a
 * teardown done, before the work is). Only `Succeeded` is checked early: a provider may give
 * up on a job it cannot see end and report it `Failed` (its own timeout), which the engine
 * retries.
 */
export function checkP3(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const reads = new Map<string, CallRecord[]>();
  for (const call of ctx.trace.calls) {
    if (call.method !== "getProvisionStatus" && call.method !== "getDeprovisionStatus") continue;
    const slot = `${call.resourceKey}|${call.jobType ?? ""}|${call.jobId ?? ""}`;
    reads.set(slot, [...(reads.get(slot) ?? []), call]);
  }
  for (const calls of reads.values()) {
    const last = calls.at(-1);
    if (!last?.jobType || last.jobId === undefined) continue;
    const job = ctx.ledgerJob(last.resourceKey, last.jobType, last.jobId, last.at);
    if (!job || job.finishedAt === undefined) continue;
    const state = stateOf(last);
    if (state === undefined || (isJobState(state) && isTerminal(state))) continue;
    const late = calls.filter((c) => c.at >= (job.finishedAt ?? 0) + P3_GRACE_MS && c.outcome.ok);
    if (late.length === 0) continue;
    out.push(
      ctx.violation(
        "P3",
        `${last.method} kept answering ${state} for ${last.resourceKey}'s ${ctx.label(job)}: ${late.length} answer(s) from ${ctx.t(late[0]?.at)} to ${ctx.t(last.at)}, none terminal`,
      ),
    );
  }
  out.push(...earlySuccesses(ctx));
  for (const job of ctx.trace.ledger) {
    if (job.finishedAt !== undefined || ctx.disowned.has(job.id)) continue;
    const asked =
      job.cancelRequestedAt ??
      ctx.trace.calls.find((c) => c.method === "cancelJob" && c.jobId === ctx.providerIdOf(job))
        ?.at;
    if (asked === undefined || ctx.trace.end - asked < P3_GRACE_MS) continue;
    out.push(
      ctx.violation(
        "P3",
        `${job.resourceKey}'s ${ctx.label(job)} was asked to cancel at ${ctx.t(asked)} and never ended (run ended at ${ctx.t(ctx.trace.end)})`,
      ),
    );
  }
  return out;
}

/** Status reads that answered `Succeeded` for a job the ledger shows still active then. */
function earlySuccesses(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const call of ctx.trace.calls) {
    if (call.method !== "getProvisionStatus" && call.method !== "getDeprovisionStatus") continue;
    if (!call.jobType || call.jobId === undefined || stateOf(call) !== JobState.Succeeded) continue;
    const job = ctx.ledgerJob(call.resourceKey, call.jobType, call.jobId, call.at);
    if (!job || ctx.disowned.has(job.id) || seen.has(job.id)) continue;
    if (job.finishedAt !== undefined && job.finishedAt <= call.at) continue;
    seen.add(job.id);
    out.push(
      ctx.violation(
        "P3",
        `${call.method} answered Succeeded for ${call.resourceKey}'s ${ctx.label(job)} at ${ctx.t(call.at)}, while the backend still ran it`,
      ),
    );
  }
  return out;
}
