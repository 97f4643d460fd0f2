/**
 * `AapProvider.findJob`: the job launched with a correlation id, among the jobs of the
 * template the resource kind's operation uses.
 *
 * @module
 */
import {
  ProviderError,
  isProviderError,
  type FindJobQuery,
  type FoundJob,
  type Logger,
} from "@provisionkit/core";
import type { AapClient, AapJob, AapJobKind, AapTemplate } from "../client/index.js";
import type { AapAnnotationNames } from "./extra-vars.js";
import { encodeJobId } from "./job-id.js";
import { toProvisionStatus } from "./job-status.js";
import { launchedFor, readLaunchRecord } from "./launch-record.js";
import { describeTemplate } from "./templates.js";

/** Jobs read per page when looking a job up. */
export const FIND_PAGE_SIZE = 200;

/** A job found by `AapProvider.findJob`. */
export interface AapFoundJob extends FoundJob {
  /**
   * Provision jobs: the config version the job was launched with, from its own record (the
   * event annotations, else the `provisionkit` extra var), whatever its state.
   */
  configVersion?: string;
}

/** What a lookup needs besides the template and the query. */
export interface FindJobContext {
  /** The client. */
  client: AapClient;
  /** The launch annotation names. */
  names: AapAnnotationNames;
  /** Pages of the fallback scan, at most. */
  maxPages: number;
  /** Logger. */
  logger: Logger;
  /** Aborts the lookup. */
  signal: AbortSignal;
}

/**
 * The newest job of `template` whose own record names `query`'s correlation id and
 * operation, or `undefined` when AAP has none. Searching the template's jobs only keeps the
 * jobs of a workflow's nodes out (they inherit the workflow's extra vars but belong to their
 * own templates). Candidates come from `extra_vars__icontains=<correlation id>`, and each is
 * checked by parsing its extra vars (a substring match alone is never trusted); when AAP
 * rejects that filter (400), the template's recent jobs are scanned, up to `maxPages`
 * pages, and a scan that ends before the oldest job fails (retryable, code
 * `LOOKUP_INCOMPLETE`) rather than answering "none", which makes the engine launch again.
 */
export async function findLaunchedJob(
  template: AapTemplate,
  query: FindJobQuery,
  context: FindJobContext,
): Promise<AapJob | undefined> {
  const { client, signal } = context;
  const kind: AapJobKind = template.kind === "job_template" ? "job" : "workflow_job";
  const byTemplate = { [template.kind]: template.id, order_by: "-id" };
  let page: { jobs: AapJob[]; complete: boolean };
  try {
    page = await client.listJobs(
      kind,
      { ...byTemplate, extra_vars__icontains: query.correlationId },
      { signal, pageSize: FIND_PAGE_SIZE, maxPages: 1 },
    );
  } catch (error) {
    if (!(isProviderError(error) && error.details.status === 400)) throw error;
    context.logger.warn(
      { template: template.name, correlationId: query.correlationId },
      "AAP rejected the extra_vars__icontains filter; scanning the template's recent jobs instead",
    );
    page = await client.listJobs(kind, byTemplate, {
      signal,
      pageSize: FIND_PAGE_SIZE,
      maxPages: context.maxPages,
    });
  }
  const job = page.jobs.find((j) =>
    launchedFor(readLaunchRecord(j.extraVars, context.names), query),
  );
  if (job || page.complete) return job;
  throw new ProviderError(
    `looked through ${page.jobs.length} recent jobs of ${describeTemplate(template)} without ` +
      `finding correlation id ${query.correlationId}, and there are more: cannot tell whether the launch happened`,
    { code: "LOOKUP_INCOMPLETE", retryable: true },
  );
}

/** What `findJob` answers for a found job: its status, and what its record says. */
export function toFoundJob(
  job: AapJob,
  query: FindJobQuery,
  names: AapAnnotationNames,
): AapFoundJob {
  const found: AapFoundJob = toProvisionStatus(encodeJobId(job), job, query.type, names);
  const record = readLaunchRecord(job.extraVars, names);
  if (query.type === "provision" && record?.configVersion !== undefined) {
    found.configVersion = record.configVersion;
  }
  if (query.type === "deprovision" && record?.blockDeletionOnFailure !== undefined) {
    found.blockDeletionOnFailure = record.blockDeletionOnFailure;
  }
  return found;
}
