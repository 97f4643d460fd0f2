/**
 * P3: every triggered job reaches a terminal state through the status calls, in bounded
 * time, given the resource as it then is.
 *
 * @module
 */
import { isTerminal, isJobState } from "@provisionkit/core";
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
 * no terminal answer after it; and a job still active at the end although it was asked to
 * cancel.
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
