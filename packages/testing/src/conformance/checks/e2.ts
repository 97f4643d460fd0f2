/**
 * E2: at most one successful launch per (resource, config version); failed ones are
 * retried with exponential backoff, not in a hot loop.
 *
 * @module
 */
import { backoffDelay } from "@provisionkit/core";
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/**
 * E2: (a) no two provision jobs of one version that succeeded (and that the engine saw
 * succeed) without a provision of another version launched between them, or the object
 * deleted (its finalizer released) and one of the same name created again; (b) after a
 * failed provision, the next launch of the same version waits the provision backoff of
 * that attempt, counted from the earliest instant the failure could be known.
 */
export function checkE2(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const { provisionBackoff } = ctx.trace.options;
  for (const [key] of ctx.ledgerByKey) {
    // A finalizer release between two provisions means the object was deleted and one of the
    // same name created again (a deletion is final): the second provision is that object's
    // first, not a duplicate, and no backoff carries over.
    const releases = ctx.trace.releases.filter((r) => r.resourceKey === key);
    const goneBetween = (a: ConformanceJob, b: ConformanceJob): boolean =>
      releases.some((r) => r.at >= a.createdAt && r.at <= b.createdAt);
    const provisions = ctx.jobs(key, "provision").filter((j) => !ctx.disowned.has(j.id));
    let lastSucceeded: ConformanceJob | undefined;
    let run = 0;
    for (let i = 0; i < provisions.length; i++) {
      const job = provisions[i];
      const previous = provisions[i - 1];
      if (!job) continue;
      if (
        previous &&
        (ctx.versionOf(previous) !== ctx.versionOf(job) || goneBetween(previous, job))
      ) {
        lastSucceeded = undefined;
        run = 0;
      }
      if (previous && run > 0) {
        const earliest = ctx.failureKnownAt(previous) + backoffDelay(provisionBackoff, run);
        if (job.createdAt < earliest) {
          out.push(
            ctx.violation(
              "E2",
              `${key}: ${ctx.label(job)} was launched ${ctx.t(job.createdAt)}, before the provision backoff after ${run} failed attempt(s) allowed (${ctx.t(earliest)}; last: ${ctx.label(previous)})`,
            ),
          );
        }
      }
      const failed =
        job.outcome === "failed" || job.outcome === "canceled" || ctx.engineFailed(job);
      if (job.outcome === "succeeded" && !failed) {
        if (lastSucceeded) {
          out.push(
            ctx.violation(
              "E2",
              `${key}: two provision jobs of one config version succeeded with no other version launched between them: ${ctx.label(lastSucceeded)} and ${ctx.label(job)}`,
            ),
          );
        }
        lastSucceeded = job;
      }
      run = failed ? run + 1 : 0;
    }
  }
  return out;
}
