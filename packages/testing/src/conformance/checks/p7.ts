/**
 * P7, stability: a provider's `blockDeletionOnFailure` for a resource does not change
 * between attempts unless its configuration changed (DESIGN.md, P7). The flag is a property
 * of what a failed deprovision leaves behind, not of the attempt: a flag that flips lets a
 * failed deprovision release the finalizer on the attempt that happens to say `false`, or
 * keeps one forever on the attempt that says `true`. Within one world every provider of
 * one name has one configuration, so every `triggered` and `waiting` answer (and every
 * deprovision job `findJob` adopts) of that name for that resource must declare the same
 * flag. (The declared-at-all half of P7 is checked on each answer, `answers.ts`.)
 *
 * @module
 */
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/** The flag a call's answer declared, if it declared one. */
function declared(value: unknown): boolean | undefined {
  const flag = (value as { blockDeletionOnFailure?: unknown } | undefined)?.blockDeletionOnFailure;
  return typeof flag === "boolean" ? flag : undefined;
}

/** P7: one declared flag per resource and provider name. */
export function checkP7(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const first = new Map<string, { flag: boolean; at: number; method: string }>();
  const reported = new Set<string>();
  for (const call of ctx.trace.calls) {
    if (!call.outcome.ok) continue;
    const deprovisionLookup = call.method === "findJob" && call.jobType === "deprovision";
    if (call.method !== "triggerDeprovision" && !deprovisionLookup) continue;
    const flag = declared(call.outcome.value);
    if (flag === undefined) continue;
    const slot = `${call.resourceKey}|${call.provider}`;
    const seen = first.get(slot);
    if (!seen) {
      first.set(slot, { flag, at: call.at, method: call.method });
      continue;
    }
    if (seen.flag === flag || reported.has(slot)) continue;
    reported.add(slot);
    out.push(
      ctx.violation(
        "P7",
        `${call.resourceKey}: provider ${call.provider} declared blockDeletionOnFailure ${String(seen.flag)} in ${seen.method} at ${ctx.t(seen.at)}, then ${String(flag)} in ${call.method} at ${ctx.t(call.at)}, with its configuration unchanged; a declaration must not change between attempts`,
      ),
    );
  }
  return out;
}
