/**
 * P5: while the latest provision job is not terminal, `triggerDeprovision` starts no
 * deprovision: it asks the backend to cancel the provision job and answers `waiting`.
 *
 * An answer is judged against the ledger as of the answer (`ledgerAfter`), not as of the
 * call: a backend may end a job inside the cancel request itself (AWX cancels a *pending*
 * job at once, ansible/awx `awx/main/models/unified_jobs.py` lines 1483-1516, `UnifiedJob.cancel`: a job with no
 * dispatcher task yet is set `canceled` in the request), and a
 * provider that reads it back as canceled may then rightly trigger the deprovision in the
 * same call. A provision job still active when the call returned is never a reason to
 * trigger one.
 *
 * @module
 */
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckContext } from "./context.js";

function latestProvision(
  ledger: readonly ConformanceJob[] | undefined,
  key: string,
): ConformanceJob | undefined {
  return (ledger ?? [])
    .filter((j) => j.resourceKey === key && j.operation === "provision")
    .sort((a, b) => a.createdAt - b.createdAt)
    .at(-1);
}

/** P5, from the ledger and from each `triggerDeprovision` answer. */
export function checkP5(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const [key, jobs] of ctx.ledgerByKey) {
    for (const deprovision of jobs.filter((j) => j.operation === "deprovision")) {
      if (ctx.disowned.has(deprovision.id)) continue;
      const running = jobs.find(
        (p) =>
          p.operation === "provision" &&
          p.createdAt <= deprovision.createdAt &&
          (p.finishedAt === undefined || p.finishedAt > deprovision.createdAt),
      );
      if (!running) continue;
      out.push(
        ctx.violation(
          "P5",
          `${key}: ${ctx.label(deprovision)} was started while ${ctx.label(running)} was still active`,
        ),
      );
    }
  }
  const noCancel = new Set<string>();
  for (const call of ctx.trace.calls) {
    if (call.method !== "triggerDeprovision" || !call.outcome.ok) continue;
    const before = latestProvision(call.ledgerBefore, call.resourceKey);
    if (!before || before.finishedAt !== undefined) continue;
    const latest = latestProvision(call.ledgerAfter ?? call.ledgerBefore, call.resourceKey);
    if (!latest || latest.finishedAt !== undefined) continue;
    const action = (call.outcome.value as { action?: unknown } | undefined)?.action;
    if (action !== "waiting") {
      out.push(
        ctx.violation(
          "P5",
          `triggerDeprovision for ${call.resourceKey} at ${ctx.t(call.at)} answered ${String(action)} while its latest ${ctx.label(latest)} was not terminal; it must answer waiting`,
        ),
      );
    }
    if (!ctx.trace.capabilities.cancel || noCancel.has(latest.id)) continue;
    const after = call.ledgerAfter?.find((j) => j.id === latest.id);
    if (after?.cancelRequestedAt !== undefined || after?.finishedAt !== undefined) continue;
    noCancel.add(latest.id);
    out.push(
      ctx.violation(
        "P5",
        `triggerDeprovision for ${call.resourceKey} at ${ctx.t(call.at)} did not ask the backend to cancel the running ${ctx.label(latest)} (the provider can cancel)`,
      ),
    );
  }
  return out;
}
