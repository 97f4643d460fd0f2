/**
 * Per-resource job timelines for the report, from the backend's ledger and the marks a
 * run left (spec changes, deletions, crashes, finalizer releases).
 *
 * @module
 */
import type { Trace } from "./driver/trace.js";
import type { ConformanceJob, ResourceTimeline, TimelineJob } from "./types.js";

/** A ledger job drawn on a timeline whose zero is `start`. */
export function timelineJob(j: ConformanceJob, start: number): TimelineJob {
  const job: TimelineJob = { id: j.id, operation: j.operation, start: j.createdAt - start };
  if (j.configVersion !== undefined) job.configVersion = j.configVersion;
  if (j.finishedAt !== undefined) job.end = j.finishedAt - start;
  if (j.outcome !== undefined) job.outcome = j.outcome;
  return job;
}

/** The timelines of a run: one per resource, jobs from the ledger, oldest first. */
export function timelines(trace: Trace): ResourceTimeline[] {
  const keys = [...new Set([...trace.resources, ...trace.ledger.map((j) => j.resourceKey)])];
  const global = trace.marks.get("") ?? [];
  return keys.map((resourceKey) => {
    const jobs: TimelineJob[] = trace.ledger
      .filter((j) => j.resourceKey === resourceKey)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((j) => timelineJob(j, trace.start));
    const marks = [...(trace.marks.get(resourceKey) ?? []), ...global].sort((a, b) => a.at - b.at);
    return { resourceKey, jobs, marks };
  });
}
