/**
 * P6: `skipped` only when nothing can have been provisioned in the backend.
 *
 * @module
 */
import type { CallRecord } from "../driver/trace.js";
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/**
 * P6 (DESIGN): `skipped` only when no provision job ever started, or every one is known to
 * have ended before touching anything; a job that failed, timed out or whose outcome is
 * unknown may have provisioned.
 *
 * The ledger does not say whether a job touched anything, so none is known not to have: a
 * `skipped` answer is a violation when the backend holds a provision job of the resource,
 * whatever its outcome (succeeded, failed, canceled, still active), that it created before
 * the answer, or created later for a launch made before it (an event-driven backend queues
 * the event and creates its job later). Provision jobs already torn down do not count: those
 * that ended before a deprovision job of the resource that was created after them and
 * succeeded before the answer (a resource deleted, then created again under its name).
 */
export function checkP6(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const call of ctx.trace.calls) {
    if (call.method !== "triggerDeprovision" || !call.outcome.ok) continue;
    if ((call.outcome.value as { action?: unknown } | undefined)?.action !== "skipped") continue;
    const provisioned = mayHaveProvisioned(ctx, call);
    if (!provisioned) continue;
    const origin = ctx.originOf(provisioned);
    const when =
      origin !== undefined && origin.seq < call.seq && provisioned.createdAt > call.at
        ? `, launched at ${ctx.t(origin.at)} before the answer and created by the backend after it`
        : "";
    out.push(
      ctx.violation(
        "P6",
        `triggerDeprovision for ${call.resourceKey} at ${ctx.t(call.at)} answered skipped, but the backend ran ${ctx.label(provisioned)}${when}: ` +
          "a provision job that ran, whatever its outcome, may have provisioned",
      ),
    );
  }
  return out;
}

/** The first provision job of the call's resource that may have provisioned, if any. */
function mayHaveProvisioned(ctx: CheckContext, call: CallRecord): ConformanceJob | undefined {
  const before = call.ledgerBefore && new Set(call.ledgerBefore.map((j) => j.id));
  const existed = (job: ConformanceJob) => (before ? before.has(job.id) : job.createdAt <= call.at);
  const launchedBefore = (job: ConformanceJob) => {
    const origin = ctx.originOf(job);
    return origin?.method === "triggerProvision" && origin.seq < call.seq;
  };
  const tornDown = ctx
    .jobs(call.resourceKey, "deprovision")
    .filter(
      (d) =>
        existed(d) &&
        d.outcome === "succeeded" &&
        d.finishedAt !== undefined &&
        d.finishedAt <= call.at,
    );
  return ctx
    .jobs(call.resourceKey, "provision")
    .filter((p) => existed(p) || launchedBefore(p))
    .find((p) => !tornDown.some((d) => p.finishedAt !== undefined && d.createdAt >= p.finishedAt));
}
