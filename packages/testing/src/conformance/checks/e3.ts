/**
 * E3: `reconciledConfigVersion` equals the config version of the latest succeeded
 * provision job; the resource is Ready iff desired == reconciled.
 *
 * @module
 */
import { ConditionType, findCondition, type ProvisioningStatus } from "@provisionkit/core";
import { shortVersion } from "../driver/world.js";
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

function ready(status: ProvisioningStatus): string {
  return findCondition(status.conditions, ConditionType.Ready)?.status ?? "absent";
}

/** E3 on every persisted status, and at the end of a run that reached its goals. */
export function checkE3(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const once = (slot: string, message: string): void => {
    if (seen.has(slot)) return;
    seen.add(slot);
    out.push(ctx.violation("E3", message));
  };
  for (const persist of ctx.trace.persists) {
    const { status, resourceKey: key } = persist;
    const reconciled = status.reconciledConfigVersion;
    const applied = ctx
      .jobs(key, "provision")
      .some(
        (j) =>
          j.outcome === "succeeded" && j.createdAt <= persist.at && ctx.versionOf(j) === reconciled,
      );
    if (reconciled !== undefined && !applied) {
      once(
        `applied|${key}|${reconciled}`,
        `${key}: the status written at ${ctx.t(persist.at)} by ${persist.process} says config version ${shortVersion(reconciled)} is reconciled, but no provision job of that version succeeded in the backend`,
      );
    }
    const shouldBeReady =
      !persist.deleting &&
      status.desiredConfigVersion !== undefined &&
      status.desiredConfigVersion === reconciled;
    if ((ready(status) === "True") !== shouldBeReady) {
      once(
        `ready|${key}`,
        `${key}: the status written at ${ctx.t(persist.at)} has Ready ${ready(status)} with desired ${shortVersion(status.desiredConfigVersion)}, reconciled ${shortVersion(reconciled)}, deleting ${String(persist.deleting)}`,
      );
    }
  }
  if (ctx.trace.unreached) return out;
  for (const [key, final] of ctx.trace.final) {
    if (!final.exists || final.deleting || !final.status) continue;
    // Blocked on a launch a human has yet to resolve: no version can be claimed (E5).
    if (ctx.awaitingHuman(key)) continue;
    const reconciled = final.status.reconciledConfigVersion;
    const latest = ctx
      .jobs(key, "provision")
      .filter((j) => j.outcome === "succeeded")
      .at(-1);
    if (latest && ctx.versionOf(latest) !== reconciled) {
      out.push(
        ctx.violation(
          "E3",
          `${key}: at the end reconciledConfigVersion is ${shortVersion(reconciled)}, but the latest succeeded provision job in the backend is ${ctx.label(latest)}`,
        ),
      );
    }
    if (final.desired !== reconciled || ready(final.status) !== "True") {
      out.push(
        ctx.violation(
          "E3",
          `${key}: at the end desired is ${shortVersion(final.desired)}, reconciled ${shortVersion(reconciled)}, Ready ${ready(final.status)}`,
        ),
      );
    }
  }
  return out;
}
