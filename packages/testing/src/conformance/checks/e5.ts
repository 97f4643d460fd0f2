/**
 * E5: a crash or restart at any point, or two replicas at once, loses no job and launches
 * none twice; a job launched just before a crash is found again (by correlation id), or,
 * without `findJob`, nothing more is launched until a human resolves the unknown outcome.
 *
 * @module
 */
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/** E5: duplicate launches, lost jobs, and launches while an outcome was unknown. */
export function checkE5(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const [key, all] of ctx.ledgerByKey) {
    const jobs = all.filter((j) => !ctx.disowned.has(j.id));
    const byCorrelation = new Map<string, string>();
    for (const job of jobs) {
      if (job.correlationId === undefined) continue;
      const first = byCorrelation.get(job.correlationId);
      if (first !== undefined) {
        out.push(
          ctx.violation(
            "E5",
            `${key}: ${first} and ${ctx.label(job)} were launched with one correlation id (${job.correlationId}): a launch was made twice`,
          ),
        );
      } else byCorrelation.set(job.correlationId, ctx.label(job));
    }
    const pending = ctx.trace.final.get(key)?.status?.pendingLaunch;
    for (const job of jobs) {
      if (ctx.recordOf(job) !== undefined) continue;
      if (pending && job.correlationId === pending.correlationId && ctx.trace.unreached) continue;
      out.push(
        ctx.violation(
          "E5",
          `${key}: ${ctx.label(job)}${job.correlationId ? ` (correlation id ${job.correlationId})` : ""} was launched, but no status ever recorded it: the job was lost`,
        ),
      );
    }
  }
  for (const block of ctx.trace.blocks) {
    const { resourceKey: key, pending } = block;
    if (block.providerCanFind) {
      out.push(
        ctx.violation(
          "E5",
          `${key}: LaunchOutcomeUnknown at ${ctx.t(block.at)} although provider ${pending.provider} can look jobs up (findJob)`,
        ),
      );
    }
    const from = Date.parse(pending.createdAt);
    const to = block.resolvedAt ?? ctx.trace.end;
    for (const job of ctx.jobs(key)) {
      if (job.correlationId === pending.correlationId || job.id === block.resolution?.jobId)
        continue;
      if (job.createdAt > from && job.createdAt < to && !ctx.disowned.has(job.id)) {
        out.push(
          ctx.violation(
            "E5",
            `${key}: ${ctx.label(job)} was launched while the outcome of the ${pending.type} launch ${pending.correlationId} (at ${ctx.t(from)}) was unknown`,
          ),
        );
      }
    }
  }
  return out;
}
