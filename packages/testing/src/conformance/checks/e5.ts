/**
 * E5: a crash or restart at any point, or two replicas at once, loses no job and launches
 * none twice; a job launched just before a crash is found again (by correlation id), or,
 * without `findJob`, nothing more is launched until a human resolves the unknown outcome.
 *
 * @module
 */
import type { StrayRecord } from "../driver/trace.js";
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckContext } from "./context.js";

/**
 * When the engine recorded the job under its id but with another correlation id than the
 * backend's job carries, what differs (instead of "the job was lost").
 */
function correlationMismatch(ctx: CheckContext, job: ConformanceJob): string | undefined {
  if (job.correlationId === undefined) return undefined;
  const ids = new Set([job.id, ctx.providerIdOf(job)].filter((i) => i !== undefined));
  const view = ctx.views.get(job.resourceKey);
  const record = [...(view?.values() ?? [])].find(
    (r) => r.type === job.operation && ids.has(r.jobId),
  );
  if (!record) return undefined;
  return `the engine recorded ${job.operation} job ${record.jobId} with correlation id ${record.correlationId ?? "(none)"}, but the backend's ${ctx.label(job)} carries correlation id ${job.correlationId}: the provider launched or reported it under another correlation id than the engine's`;
}

/**
 * `findJob` answers naming a job the backend launched for another launch: another
 * correlation id, or another resource. The engine then adopts a job that is not the one it
 * launched (and the real one is lost, or another resource's job is polled and canceled).
 */
function wrongAdoptions(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const launched = ctx.trace.ledger.filter((j) => {
    const origin = ctx.originOf(j);
    return origin !== undefined && origin.method !== "findJob";
  });
  for (const call of ctx.trace.calls) {
    if (call.method !== "findJob" || !call.outcome.ok) continue;
    const jobId = (call.outcome.value as { jobId?: unknown } | undefined)?.jobId;
    if (typeof jobId !== "string") continue;
    const other = launched.find(
      (j) =>
        ctx.providerIdOf(j) === jobId &&
        j.operation === call.jobType &&
        (j.resourceKey !== call.resourceKey ||
          (j.correlationId !== undefined && j.correlationId !== call.correlationId)),
    );
    if (!other || seen.has(`${call.resourceKey}|${jobId}`)) continue;
    seen.add(`${call.resourceKey}|${jobId}`);
    out.push(
      ctx.violation(
        "E5",
        `findJob for ${call.resourceKey} at ${ctx.t(call.at)}, asked for correlation id ${call.correlationId ?? "?"}, answered job ${jobId}: the backend's ${ctx.label(other)} was launched for ${other.resourceKey} with correlation id ${other.correlationId ?? "(none)"}`,
      ),
    );
  }
  return out;
}

const OUTCOME_OF: Partial<Record<string, ConformanceJob["outcome"]>> = {
  Succeeded: "succeeded",
  Failed: "failed",
  Canceled: "canceled",
};

/** A stray in words: its id and correlation id, or that it was launched by hand. */
function strayWords(stray: StrayRecord): string {
  return `${stray.jobId}: ${stray.correlationId ?? "launched by hand, no launch record"}`;
}

/**
 * `findJob` answers while the backend held stray jobs of the resource (created by the
 * scenario under correlation ids resembling the engine's, e.g. `corr-1x` beside `corr-1`,
 * or launched by hand on its template with no launch record):
 * an answer is wrong when the backend had no job launched with the asked correlation id by
 * then, or when the answer's terminal state is not that job's at that instant (a stray
 * ended at once; the launch's job ran on). A `findJob` matching correlation ids by
 * substring or prefix adopts a stray, and the launch's own job is lost or another's is
 * polled.
 */
function strayAdoptions(ctx: CheckContext): Violation[] {
  const strays = ctx.trace.strays ?? [];
  if (strays.length === 0) return [];
  const out: Violation[] = [];
  for (const call of ctx.trace.calls) {
    if (call.method !== "findJob" || !call.outcome.ok || call.correlationId === undefined) continue;
    const answer = call.outcome.value as { jobId?: unknown; state?: unknown } | undefined;
    if (typeof answer?.jobId !== "string") continue;
    const near = strays.filter(
      (s) => s.resourceKey === call.resourceKey && s.operation === call.jobType && s.at <= call.at,
    );
    if (near.length === 0) continue;
    const what = `findJob for ${call.resourceKey} at ${ctx.t(call.at)}, asked for correlation id ${call.correlationId}, answered job ${answer.jobId}${typeof answer.state === "string" ? ` (${answer.state})` : ""}`;
    const similar = `the backend held ${call.jobType ?? "?"} job(s) created beside the launch (${near.map(strayWords).join(", ")}): a findJob that matches correlation ids by substring or prefix, or takes a job without a launch record for one, adopts one of them`;
    const own = ctx
      .jobs(call.resourceKey, call.jobType)
      .find((j) => j.correlationId === call.correlationId && j.createdAt <= call.at);
    if (!own) {
      out.push(
        ctx.violation(
          "E5",
          `${what}, but the backend had no job launched with that correlation id then; ${similar}`,
        ),
      );
      continue;
    }
    const said = typeof answer.state === "string" ? OUTCOME_OF[answer.state] : undefined;
    if (said === undefined) continue;
    const ended = own.finishedAt !== undefined && own.finishedAt <= call.at;
    if (!ended || own.outcome !== said) {
      out.push(
        ctx.violation(
          "E5",
          `${what}, but the job launched with that correlation id, ${ctx.label(own)}, ${ended ? `had ended ${own.outcome ?? "?"}` : "was still active"} then; ${similar}`,
        ),
      );
    }
  }
  return out;
}

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
      if (job.correlationId !== undefined) {
        if (ctx.awaitingHuman(key)?.pending.correlationId === job.correlationId) continue;
      }
      const differs = correlationMismatch(ctx, job);
      if (differs !== undefined) {
        out.push(ctx.violation("E5", `${key}: ${differs}`));
        continue;
      }
      out.push(
        ctx.violation(
          "E5",
          `${key}: ${ctx.label(job)}${job.correlationId ? ` (correlation id ${job.correlationId})` : ""} was launched, but no status ever recorded it: the job was lost`,
        ),
      );
    }
  }
  out.push(...wrongAdoptions(ctx));
  out.push(...strayAdoptions(ctx));
  for (const block of ctx.trace.blocks) {
    const { resourceKey: key, pending } = block;
    if (block.providerCanFind) {
      out.push(
        ctx.violation(
          "E5",
          `${key}: LaunchOutcomeUnknown asked a human at ${ctx.t(block.at)} although provider ${pending.provider} can settle the launch itself (findJob and launchSettleMs)`,
        ),
      );
    }
    // A marker restored onto a re-created object (restored-launch-marker) is older than the
    // object: the jobs of the predecessor, whose finalizer was released before, are not
    // launches made while this object's outcome was unknown.
    const released = ctx.trace.releases
      .filter((r) => r.resourceKey === key && r.at <= block.at)
      .reduce((latest, r) => Math.max(latest, r.at), Number.NEGATIVE_INFINITY);
    const markedAt = Date.parse(pending.createdAt);
    const from = Math.max(markedAt, released);
    const to = Math.min(
      block.resolvedAt ?? ctx.trace.end,
      ctx.settledWithoutHuman(block) ?? ctx.trace.end,
    );
    for (const job of ctx.jobs(key)) {
      if (job.correlationId === pending.correlationId || job.id === block.resolution?.jobId)
        continue;
      if (job.createdAt > from && job.createdAt < to && !ctx.disowned.has(job.id)) {
        out.push(
          ctx.violation(
            "E5",
            `${key}: ${ctx.label(job)} was launched while the outcome of the ${pending.type} launch ${pending.correlationId} (at ${ctx.t(markedAt)}) was unknown`,
          ),
        );
      }
    }
  }
  return out;
}
