/**
 * `job_explanation` and `result_traceback` of a job at an instant.
 *
 * @module
 */
import type { JobStore } from "./job-store.js";
import type { JobView } from "./job-view.js";
import type { EndOverride, JobRecord } from "./model.js";

/** How long a blocked job stays pending before AWX explains why (research §5: "~30 s"). */
const BLOCKED_EXPLANATION_AFTER_MS = 30_000;

/** The explanation AWX writes when a canceled job's runner reports a shutdown failure. */
const SHUTDOWN_EXPLANATION = "Task was canceled due to receiving a shutdown signal.";

/** The explanation AWX's workflow manager writes for a failed workflow. */
const WORKFLOW_FAILED_EXPLANATION = "No error handling paths found, marking workflow as failed";

/** The `job_explanation` of a job at instant `at`. */
export function jobExplanation(job: JobRecord, view: JobView, store: JobStore, at: number): string {
  if (view.status === "pending") {
    if (at - job.createdAt < BLOCKED_EXPLANATION_AFTER_MS) return "";
    const blocker = store.blockerOf(job, at);
    return blocker ? `waiting for job-${blocker.id} to finish` : "";
  }
  if (!view.terminal || view.status === "successful") return "";
  const schedule = store.schedule(job);
  const forced = endedBy(job.forcedEnd, schedule.end);
  if (forced?.explanation !== undefined) return forced.explanation;
  if (job.script.jobExplanation !== undefined) return job.script.jobExplanation;
  const byCancel = job.cancelEnd !== undefined && schedule.end === job.cancelEnd.at;
  if (byCancel && job.cancelEnd?.explanation !== undefined) return job.cancelEnd.explanation;
  if (byCancel && view.status === "failed") return SHUTDOWN_EXPLANATION;
  if (!byCancel && job.kind === "workflow_job" && view.status === "failed") {
    return WORKFLOW_FAILED_EXPLANATION;
  }
  return "";
}

/**
 * The `result_traceback` of a job once it ended `failed` or `error`: the one `finishJob`
 * gave, when that call ended it, else the scripted one.
 */
export function resultTraceback(job: JobRecord, view: JobView, store: JobStore): string {
  const failed = view.status === "failed" || view.status === "error";
  if (!failed) return "";
  const forced = endedBy(job.forcedEnd, store.schedule(job).end);
  return forced?.traceback ?? job.script.resultTraceback ?? "";
}

/** The override, when it is what ended the job (its instant is the job's end). */
function endedBy(override: EndOverride | undefined, end: number): EndOverride | undefined {
  return override !== undefined && override.at === end ? override : undefined;
}
