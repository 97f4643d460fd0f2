/**
 * A goal a scenario did not reach within its virtual-time budget. A provider rule broken in
 * the same run explains it (P3 first: a job whose status never ends); otherwise it is the
 * engine's rule the goal stands for (E3 for Ready, E4 for deletion).
 *
 * @module
 */
import type { CallRecord, ErrorFacts } from "../driver/trace.js";
import { RULE_IDS, type RuleId, type Violation } from "../types.js";
import { untypedFailures } from "./calls.js";
import type { CheckContext } from "./context.js";
import { redact } from "./redact.js";

/** The unreached goal, under the rule that explains it best. */
export function checkGoal(ctx: CheckContext, found: readonly Violation[]): Violation[] {
  const unreached = ctx.trace.unreached;
  if (!unreached) return [];
  const broken = new Set(found.map((v) => v.rule));
  const provider = RULE_IDS.filter(
    (r): r is RuleId => r.startsWith("P") && r !== "P1" && broken.has(r),
  );
  const rule: RuleId = broken.has("P3") ? "P3" : (provider[0] ?? unreached.rule);
  const because = rule === unreached.rule ? "" : ` (explained by the ${rule} violation(s) above)`;
  const still = ctx.trace.ledger.filter((j) => j.finishedAt === undefined).map((j) => ctx.label(j));
  const active = still.length > 0 ? `; still active in the backend: ${still.join(", ")}` : "";
  const status = unreached.resourceKey
    ? ctx.trace.final.get(unreached.resourceKey)?.status
    : undefined;
  const conditions =
    status?.conditions.map((c) => `${c.type}=${c.status}(${c.reason})`).join(" ") ?? "no status";
  return [
    ctx.violation(
      rule,
      `the scenario did not reach its goal by ${ctx.t(unreached.at)}: ${unreached.goal}${because}${active}; ${unreached.resourceKey ?? ""} ${conditions}${untypedErrors(ctx, unreached.resourceKey)}`,
    ),
  ];
}

/**
 * The untyped errors (not a `ProviderError`) the provider's job calls threw about the
 * resource, naming the job and what the backend says of it (purged, ended, active): an
 * untyped error is a crash to the engine, which retries it forever.
 */
function untypedErrors(ctx: CheckContext, key: string | undefined): string {
  const about = ctx.trace.calls.filter((c) => key === undefined || c.resourceKey === key);
  const slot = (call: CallRecord, { name, message }: ErrorFacts) =>
    `${call.method}|${call.jobId ?? ""}|${name}|${message}`;
  const parts = untypedFailures(about, slot)
    .slice(0, 3)
    .map(({ call, error: { name, message } }) => {
      const type =
        call.method === "getDeprovisionStatus" ? "deprovision" : (call.jobType ?? "provision");
      const job =
        call.jobId === undefined ? undefined : ctx.ledgerJob(call.resourceKey, type, call.jobId);
      const what =
        call.jobId === undefined
          ? ""
          : ` about job ${call.jobId}${job ? ` (${ctx.label(job)}${job.purgedAt === undefined ? "" : `, purged at ${ctx.t(job.purgedAt)}`})` : ""}`;
      return `${call.method}${what} at ${ctx.t(call.at)} threw an untyped ${name} (not a ProviderError): ${redact(message.slice(0, 300), ctx.trace.secrets)}`;
    });
  return parts.length === 0 ? "" : `; ${parts.join("; ")}`;
}
