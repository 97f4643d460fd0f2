/**
 * P2 (job ids unique within a resource's history) and the shape of every answer: each
 * launch, status and lookup answer is run through the engine's own validation, and a
 * rejected one is reported under the rule the engine names (P2, P3, P6 or P7).
 *
 * @module
 */
import { checkFoundJob, checkProvisionStatus } from "@provisionkit/core";
import type { RuleId, Violation } from "../types.js";
import type { CheckContext } from "./context.js";

function ruleOf(error: unknown): RuleId {
  const rule = (error as { rule?: unknown }).rule;
  return typeof rule === "string" && /^P[1-8]$/.test(rule) ? (rule as RuleId) : "P3";
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.replace(/^P\d: /, "") : String(error);
}

/** Launch answers the engine rejected: duplicate job ids (P2), missing flags (P7), malformed answers. */
export function checkLaunchAnswers(ctx: CheckContext): Violation[] {
  return ctx.rejected.map(({ call, rule, why }) => {
    const unrecorded = ctx
      .jobs(call.resourceKey)
      .filter((j) => ctx.disowned.has(j.id) && ctx.originOf(j) === call)
      .map((j) => j.id);
    const orphan =
      unrecorded.length > 0
        ? `; the engine cannot record backend job ${unrecorded.join(", ")}`
        : "";
    return ctx.violation(
      rule,
      `${call.method} for ${call.resourceKey} at ${ctx.t(call.at)} answered ${JSON.stringify(call.outcome.ok ? call.outcome.value : null)}: ${why.replace(/^P\d: /, "")}${orphan}`,
    );
  });
}

/** Status and lookup answers the engine would reject. */
export function checkStatusAnswers(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const call of ctx.trace.calls) {
    if (!call.outcome.ok) continue;
    const value = call.outcome.value;
    try {
      if (call.method === "getProvisionStatus" || call.method === "getDeprovisionStatus") {
        const status = checkProvisionStatus(value);
        if (status.jobId !== call.jobId) {
          throw Object.assign(
            new Error(
              `it is about job ${status.jobId}, not the job asked about (${call.jobId ?? ""})`,
            ),
            { rule: "P3" },
          );
        }
      } else if (call.method === "findJob" && value !== undefined && value !== null) {
        checkFoundJob(value);
      }
    } catch (error) {
      const key = `${call.method}|${reason(error)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(
        ctx.violation(
          ruleOf(error),
          `${call.method} for ${call.resourceKey} at ${ctx.t(call.at)} answered ${JSON.stringify(value)}: ${reason(error)}`,
        ),
      );
    }
  }
  return out;
}
