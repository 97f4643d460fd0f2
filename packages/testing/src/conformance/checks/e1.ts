/**
 * E1: at most one non-terminal job per resource in the backend at any instant.
 *
 * @module
 */
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";
import { activeTogether } from "./overlaps.js";

/** E1, from the ledger (jobs the engine could never know of are left to the rule that hid them). */
export function checkE1(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const [key, all] of ctx.ledgerByKey) {
    const jobs = all.filter((j) => !ctx.disowned.has(j.id));
    for (const [a, b] of activeTogether(jobs)) {
      out.push(
        ctx.violation("E1", `${key}: ${ctx.label(a)} and ${ctx.label(b)} were active together`),
      );
    }
  }
  return out;
}
