/**
 * E1: at most one non-terminal job per resource in the backend at any instant.
 *
 * @module
 */
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/** E1, from the ledger (jobs the engine could never know of are left to the rule that hid them). */
export function checkE1(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const [key, all] of ctx.ledgerByKey) {
    const jobs = all.filter((j) => !ctx.disowned.has(j.id));
    for (let i = 0; i < jobs.length; i++) {
      for (let k = i + 1; k < jobs.length; k++) {
        const a = jobs[i];
        const b = jobs[k];
        if (!a || !b) continue;
        const aEnd = a.finishedAt ?? Number.POSITIVE_INFINITY;
        const bEnd = b.finishedAt ?? Number.POSITIVE_INFINITY;
        if (a.createdAt < bEnd && b.createdAt < aEnd) {
          out.push(
            ctx.violation("E1", `${key}: ${ctx.label(a)} and ${ctx.label(b)} were active together`),
          );
        }
      }
    }
  }
  return out;
}
