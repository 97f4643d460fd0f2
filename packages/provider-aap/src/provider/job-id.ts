import { ConfigurationError } from "@provisionkit/core";
import type { AapJobKind, AapJobRef } from "../client/index.js";

const PATTERN = /^(job|workflow_job):([1-9][0-9]*)$/;

/**
 * The job id the provider hands to the engine: the kind of AAP job and its id, such as
 * `job:42` or `workflow_job:43`. AAP gives jobs and workflow jobs one id sequence but
 * serves them under different paths (`jobs/42/` vs `workflow_jobs/43/`, and 404 across),
 * so the kind must travel with the id for a workflow job to be polled and cancelled at
 * the right place.
 */
export function encodeJobId(ref: AapJobRef): string {
  return `${ref.kind}:${ref.id}`;
}

/**
 * Parse a job id made by {@link encodeJobId}. A bare number is read as a plain job (the
 * form other tools record). Anything else is a {@link ConfigurationError}: the id was not
 * made by this provider.
 */
export function decodeJobId(jobId: string): AapJobRef {
  const match = PATTERN.exec(jobId);
  if (match) return { kind: match[1] as AapJobKind, id: Number(match[2]) };
  if (/^[1-9][0-9]*$/.test(jobId)) return { kind: "job", id: Number(jobId) };
  throw new ConfigurationError(
    `"${jobId}" is not an AAP job id (expected job:<id> or workflow_job:<id>)`,
    { details: { jobId } },
  );
}
