/**
 * P6: `skipped` only when nothing was ever provisioned in the backend.
 *
 * @module
 */
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/** P6: a `skipped` answer while the ledger shows a succeeded provision job of the resource. */
export function checkP6(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const call of ctx.trace.calls) {
    if (call.method !== "triggerDeprovision" || !call.outcome.ok) continue;
    if ((call.outcome.value as { action?: unknown } | undefined)?.action !== "skipped") continue;
    const provisioned = (call.ledgerBefore ?? []).find(
      (j) =>
        j.resourceKey === call.resourceKey &&
        j.operation === "provision" &&
        j.outcome === "succeeded",
    );
    if (!provisioned) continue;
    out.push(
      ctx.violation(
        "P6",
        `triggerDeprovision for ${call.resourceKey} at ${ctx.t(call.at)} answered skipped, but the backend ran ${ctx.label(provisioned)}`,
      ),
    );
  }
  return out;
}
