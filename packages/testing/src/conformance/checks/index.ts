/**
 * Every check, run over one trace. Every check runs after every scenario, so a broken
 * provider fails on its rule in whichever scenario reveals it.
 *
 * @module
 */
import type { Trace } from "../driver/trace.js";
import { RULE_IDS, type ConformanceJob, type Violation } from "../types.js";
import { checkLaunchAnswers, checkStatusAnswers } from "./answers.js";
import { CheckContext } from "./context.js";
import { checkE1 } from "./e1.js";
import { checkE2 } from "./e2.js";
import { checkE3 } from "./e3.js";
import { checkE4 } from "./e4.js";
import { checkE5 } from "./e5.js";
import { checkE6 } from "./e6.js";
import { checkGoal } from "./goal.js";
import { checkP1 } from "./p1.js";
import { checkP3 } from "./p3.js";
import { checkP4 } from "./p4.js";
import { checkP5 } from "./p5.js";
import { checkP6 } from "./p6.js";
import { checkP7 } from "./p7.js";
import { checkP8 } from "./p8.js";

/** At most this many violations of one rule are listed per run; the rest are counted. */
export const MAX_PER_RULE = 5;

const CHECKS: readonly ((ctx: CheckContext) => Violation[])[] = [
  checkP1,
  checkLaunchAnswers,
  checkStatusAnswers,
  checkP3,
  checkP4,
  checkP5,
  checkP6,
  checkP7,
  checkP8,
  checkE1,
  checkE2,
  checkE3,
  checkE4,
  checkE5,
  checkE6,
];

/**
 * The trace with the stray jobs (created by the scenario outside the provider, see
 * `StrayRecord`) left out of its ledgers: no check counts them as the engine's jobs. E5
 * reads `trace.strays` to check that `findJob` never answered one.
 */
function withoutStrays(trace: Trace): Trace {
  const strays = new Set((trace.strays ?? []).map((s) => s.jobId));
  if (strays.size === 0) return trace;
  const keep = (jobs: ConformanceJob[] | undefined): ConformanceJob[] | undefined =>
    jobs?.filter((j) => !strays.has(j.id));
  return {
    ...trace,
    ledger: trace.ledger.filter((j) => !strays.has(j.id)),
    calls: trace.calls.map((call) => {
      const copy = { ...call };
      const before = keep(call.ledgerBefore);
      const after = keep(call.ledgerAfter);
      if (before) copy.ledgerBefore = before;
      if (after) copy.ledgerAfter = after;
      return copy;
    }),
  };
}

/** Run every check over a trace: violations in rule order, at most {@link MAX_PER_RULE} per rule. */
export function runChecks(trace: Trace): Violation[] {
  const ctx = new CheckContext(withoutStrays(trace));
  const found = CHECKS.flatMap((check) => check(ctx));
  found.push(...trace.expectations.map((e) => ctx.violation(e.rule, e.message)));
  const goal = checkGoal(ctx, found);
  const out: Violation[] = [];
  for (const rule of RULE_IDS) {
    const mine = found.filter((v) => v.rule === rule);
    out.push(...mine.slice(0, MAX_PER_RULE));
    if (mine.length > MAX_PER_RULE) {
      out.push({
        rule,
        message: `${rule}: … and ${mine.length - MAX_PER_RULE} more violation(s) of ${rule}`,
      });
    }
    out.push(...goal.filter((v) => v.rule === rule));
  }
  return out;
}
