/**
 * E6: the engine never branches on the provider's name; every job is polled and canceled
 * through the provider that launched it, and its record says which one that was.
 *
 * @module
 */
import type { Violation } from "../types.js";
import { callType } from "./calls.js";
import type { CheckContext } from "./context.js";

/** E6: records name the launching provider; status reads and cancels go to it. */
export function checkE6(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const [key, view] of ctx.views) {
    for (const record of view.values()) {
      const job = ctx.jobs(key, record.type).find((j) => ctx.recordOf(j) === record);
      const origin = job && ctx.originOf(job);
      if (origin && origin.method !== "findJob" && origin.provider !== record.provider) {
        out.push(
          ctx.violation(
            "E6",
            `${key}: ${record.type} job ${record.jobId} was launched by provider ${origin.provider}, but its record names ${record.provider}`,
          ),
        );
      }
    }
  }
  for (const call of ctx.trace.calls) {
    const type = callType(call);
    if (call.jobId === undefined || type === undefined) continue;
    if (
      call.method !== "getProvisionStatus" &&
      call.method !== "getDeprovisionStatus" &&
      call.method !== "cancelJob"
    )
      continue;
    const record = ctx.views.get(call.resourceKey)?.get(`${type}|${call.jobId}`);
    if (!record || record.provider === call.provider) continue;
    const slot = `${call.resourceKey}|${call.jobId}|${call.provider}`;
    if (seen.has(slot)) continue;
    seen.add(slot);
    out.push(
      ctx.violation(
        "E6",
        `${call.resourceKey}: ${call.method} for ${type} job ${call.jobId} at ${ctx.t(call.at)} went to provider ${call.provider}, but the job was launched by ${record.provider}`,
      ),
    );
  }
  return out;
}
