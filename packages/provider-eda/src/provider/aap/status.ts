import { JobState, type JobType, type ProvisionStatus } from "@provisionkit/core";
import type { EdaAapJob } from "./types.js";

/** How much of `result_traceback` is kept as error details (its tail). */
export const MAX_ERROR_DETAILS = 2000;

/**
 * An AWX status as a {@link JobState}: `new`/`pending` → Pending, `waiting` → Waiting,
 * `running` → Running, `successful` → Succeeded, `failed`/`error` → Failed, `canceled` →
 * Canceled; anything else → Unknown (polled again).
 */
export function aapJobState(status: string): JobState {
  switch (status) {
    case "new":
    case "pending":
      return JobState.Pending;
    case "waiting":
      return JobState.Waiting;
    case "running":
      return JobState.Running;
    case "successful":
      return JobState.Succeeded;
    case "failed":
    case "error":
      return JobState.Failed;
    case "canceled":
      return JobState.Canceled;
    default:
      return JobState.Unknown;
  }
}

/**
 * The status of an event's job from the AAP job EDA launched for it. A succeeded provision
 * reports the config version the event carried (P4).
 */
export function aapJobStatus(
  jobId: string,
  job: EdaAapJob,
  operation: JobType,
  configVersion: string | undefined,
): ProvisionStatus {
  const state = aapJobState(job.status);
  const what = `AAP ${job.kind === "job" ? "job" : "workflow job"} ${job.id} (${job.name}), launched by EDA`;
  const explanation = job.jobExplanation.trim();
  let message = `${what}, is ${job.status}`;
  if (state === JobState.Unknown) message += ", a status provisionkit does not know";
  else if (explanation) message += `: ${explanation}`;
  if (
    job.canceledOn &&
    state !== JobState.Canceled &&
    state !== JobState.Succeeded &&
    state !== JobState.Failed
  ) {
    message += " (cancel requested)";
  }
  const status: ProvisionStatus = { jobId, state, message };
  if (job.started) status.startTime = job.started;
  if (job.finished) status.endTime = job.finished;
  if (state === JobState.Failed || state === JobState.Canceled) {
    const traceback = job.resultTraceback.trim();
    const tail =
      traceback.length <= MAX_ERROR_DETAILS ? traceback : `…${traceback.slice(-MAX_ERROR_DETAILS)}`;
    const details = [explanation, tail].filter(Boolean).join("\n");
    if (details) status.errorDetails = details;
  }
  if (operation === "provision" && state === JobState.Succeeded && configVersion !== undefined) {
    status.reconciledVersion = configVersion;
  }
  return status;
}
