/**
 * Launch answers the engine rejects (a duplicate job id, P2; a malformed answer), and the
 * backend jobs they leave behind that the engine can never record.
 *
 * @module
 */
import { checkDeprovisionResult, checkProvisionResult } from "@provisionkit/core";
import type { CallRecord } from "../driver/trace.js";
import type { ConformanceJob, RuleId } from "../types.js";
import { answeredJobId, callType, type LedgerView } from "./calls.js";

/** A launch answer the engine could not accept, and the ledger jobs it created. */
export interface RejectedLaunch {
  /** The call. */
  call: CallRecord;
  /** The rule its answer broke. */
  rule: RuleId;
  /** Why. */
  why: string;
}

/** The rejected launch answers of a run, and the ledger jobs nobody can record. */
export function findRejected(ctx: LedgerView): {
  rejected: RejectedLaunch[];
  disowned: Set<string>;
} {
  const rejected: RejectedLaunch[] = [];
  const disowned = new Set<string>();
  const returned = new Map<string, CallRecord>();
  for (const call of ctx.trace.calls) {
    if (
      !call.outcome.ok ||
      (call.method !== "triggerProvision" && call.method !== "triggerDeprovision")
    )
      continue;
    let why: { rule: RuleId; why: string } | undefined;
    try {
      if (call.method === "triggerProvision") checkProvisionResult(call.outcome.value);
      else checkDeprovisionResult(call.outcome.value);
    } catch (error) {
      const rule = (error as { rule?: string }).rule;
      why = {
        rule: isRule(rule) ? rule : "P3",
        why: error instanceof Error ? error.message : String(error),
      };
    }
    const id = answeredJobId(call);
    const slot = `${call.resourceKey}|${callType(call) ?? ""}|${id ?? ""}`;
    const first = id === undefined ? undefined : returned.get(slot);
    if (!why && first)
      why = { rule: "P2", why: `job id ${id ?? ""} was already returned at ${ctx.t(first.at)}` };
    if (id !== undefined && !first) returned.set(slot, call);
    if (!why) continue;
    rejected.push({ call, ...why });
    for (const job of createdBy(ctx, call)) {
      if (ctx.recordOf(job) === undefined || why.rule === "P2") {
        if (!recordedByCorrelation(ctx, job)) disowned.add(job.id);
      }
    }
  }
  return { rejected, disowned };
}

function createdBy(ctx: LedgerView, call: CallRecord): ConformanceJob[] {
  const before = new Set((call.ledgerBefore ?? []).map((j) => j.id));
  const type = callType(call);
  return ctx
    .jobs(call.resourceKey, type)
    .filter(
      (j) =>
        (j.correlationId !== undefined && j.correlationId === call.correlationId) ||
        (!before.has(j.id) && (call.ledgerAfter ?? []).some((a) => a.id === j.id)),
    );
}

function recordedByCorrelation(ctx: LedgerView, job: ConformanceJob): boolean {
  if (job.correlationId === undefined) return false;
  const view = ctx.views.get(job.resourceKey);
  return [...(view?.values() ?? [])].some(
    (r) => r.type === job.operation && r.correlationId === job.correlationId,
  );
}

function isRule(value: string | undefined): value is RuleId {
  return value !== undefined && /^(P[1-8]|E[1-6])$/.test(value);
}
