import {
  JobState,
  MAX_STATUS_MESSAGE_CHARS,
  clipText,
  type ProvisionStatus,
} from "@provisionkit/core";
import type { AapJob } from "../client/index.js";
import { PAYLOAD_ANNOTATIONS, type AapAnnotationNames } from "./extra-vars.js";
import { readLaunchRecord } from "./launch-record.js";
import { toJobState } from "./status-map.js";

/**
 * How much of `result_traceback`, and of `job_explanation`, is kept in the error details
 * (each clipped by `clipText`: its start and its end, where the error is, around a marker).
 */
export const MAX_ERROR_DETAILS = 2000;

/**
 * A provisionkit status from an AAP job. For a succeeded provision job the reconciled
 * version is the config version the job was launched with, read back from its extra vars
 * by {@link readLaunchRecord} (the event annotations `names`, else the `provisionkit` extra
 * var), so a job an EDA rulebook launched for an `EdaProvider` event reports the version
 * its event carried. A playbook may also report `config_version` through `set_stats` (the job's
 * artifacts); it is accepted only when it agrees, and a disagreement is said in the
 * message, never reported as the reconciled version (P4).
 *
 * AAP bounds none of its texts (`job_explanation`, `result_traceback`, artifacts); the
 * status is bounded here: the message to `MAX_STATUS_MESSAGE_CHARS`, the details to
 * 2 × {@link MAX_ERROR_DETAILS} and a newline.
 */
export function toProvisionStatus(
  jobId: string,
  job: AapJob,
  operation: "provision" | "deprovision",
  names: AapAnnotationNames = PAYLOAD_ANNOTATIONS,
): ProvisionStatus {
  const state = toJobState(job.status);
  const status: ProvisionStatus = { jobId, state, message: describe(job, state) };
  if (job.created) status.createdTime = job.created;
  if (job.started) status.startTime = job.started;
  if (job.finished) status.endTime = job.finished;
  if (state === JobState.Failed || state === JobState.Canceled) {
    const details = errorDetails(job);
    if (details) status.errorDetails = details;
  }
  if (operation === "provision" && state === JobState.Succeeded) {
    const launched = readLaunchRecord(job.extraVars, names)?.configVersion;
    const reported = job.artifacts?.config_version;
    if (launched !== undefined) status.reconciledVersion = launched;
    if (reported !== undefined && reported !== launched) {
      status.message +=
        launched === undefined
          ? `; the playbook reported config_version ${JSON.stringify(reported)}, but the job carries no launched version to check it against, so it is not used`
          : `; the playbook reported config_version ${JSON.stringify(reported)}, which differs from the launched ${launched}: ignored`;
    }
  }
  status.message = clipText(status.message, MAX_STATUS_MESSAGE_CHARS);
  return status;
}

function describe(job: AapJob, state: JobState): string {
  const what = `AAP ${job.kind === "job" ? "job" : "workflow job"} ${job.id} (${job.name})`;
  const explanation = job.jobExplanation.trim();
  const base = `${what} is ${job.status}`;
  if (state === JobState.Unknown) return `${base}, a status provisionkit does not know`;
  return explanation ? `${base}: ${explanation}` : base;
}

function errorDetails(job: AapJob): string | undefined {
  const parts = [job.jobExplanation.trim(), job.resultTraceback.trim()]
    .filter(Boolean)
    .map((text) => clipText(text, MAX_ERROR_DETAILS));
  return parts.length ? parts.join("\n") : undefined;
}
