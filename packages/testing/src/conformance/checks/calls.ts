/**
 * What the checks read off a recorded provider call (the job id it answered, the job type it
 * is about), and the part of the check context that finding rejected launches needs. Both
 * the context and the rejected-launch finder import from here, so neither imports the
 * other.
 *
 * @module
 */
import type { JobRecord, JobType } from "@provisionkit/core";
import type { CallRecord, ErrorFacts, Trace } from "../driver/trace.js";
import type { ConformanceJob } from "../types.js";

/** The job id a provider answered for a launch or lookup, if any. */
export function answeredJobId(call: CallRecord): string | undefined {
  if (!call.outcome.ok) return undefined;
  const value = call.outcome.value as { jobId?: unknown; action?: unknown } | undefined;
  if (call.method === "triggerDeprovision" && value?.action !== "triggered") return undefined;
  return typeof value?.jobId === "string" ? value.jobId : undefined;
}

/**
 * The failed calls that threw an untyped error (not a `ProviderError`), in order, each
 * once per `slot` (calls with equal slots are one failure to report). A call aborted by the
 * suite ({@link CallRecord.aborted}) is not one: its caller gave up on it.
 */
export function untypedFailures(
  calls: readonly CallRecord[],
  slot: (call: CallRecord, error: ErrorFacts) => string,
): { call: CallRecord; error: ErrorFacts }[] {
  const seen = new Set<string>();
  const found: { call: CallRecord; error: ErrorFacts }[] = [];
  for (const call of calls) {
    if (call.outcome.ok || call.outcome.error.typed || call.aborted) continue;
    const key = slot(call, call.outcome.error);
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ call, error: call.outcome.error });
  }
  return found;
}

/** The job type a call is about. */
export function callType(call: CallRecord): JobType | undefined {
  if (call.method === "triggerProvision") return "provision";
  if (call.method === "triggerDeprovision") return "deprovision";
  return call.jobType;
}

/** The ledger and engine view of a run, as the checks look them up (see `CheckContext`). */
export interface LedgerView {
  /** The run. */
  readonly trace: Trace;
  /** The engine's newest record of each job, per resource key, by `type|jobId`. */
  readonly views: ReadonlyMap<string, ReadonlyMap<string, JobRecord>>;
  /** `t+12.5s`: a virtual instant relative to the start of the run. */
  t(at: number | undefined): string;
  /** The jobs of a resource, oldest first. */
  jobs(key: string, operation?: JobType): ConformanceJob[];
  /** The engine's newest record of a ledger job. */
  recordOf(job: ConformanceJob): JobRecord | undefined;
}
