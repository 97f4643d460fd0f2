/**
 * The ledger view of a job: the simulator's out-of-band truth for assertions.
 *
 * @module
 */
import type { JobStore } from "./job-store.js";
import type { JobRecord } from "./model.js";
import type { AapLedgerJob } from "./records.js";
import { extractResource, keyOfResource } from "./resource.js";

/** A job's ledger entry, evaluated at instant `at`. */
export function ledgerEntry(job: JobRecord, store: JobStore, at: number): AapLedgerJob {
  const view = store.view(job, at);
  const entry: AapLedgerJob = {
    id: job.id,
    kind: job.kind,
    templateId: job.template.id,
    templateName: job.template.name,
    organization: job.template.organization,
    extraVars: structuredClone(job.extraVars),
    ignoredFields: structuredClone(job.ignoredFields),
    status: view.status,
    createdAt: job.createdAt,
    transitions: view.transitions,
  };
  const resource = extractResource(job.extraVars);
  if (resource) {
    entry.resource = resource;
    entry.resourceKey = keyOfResource(resource);
  }
  if (view.startedAt !== undefined) entry.startedAt = view.startedAt;
  if (view.finishedAt !== undefined) entry.finishedAt = view.finishedAt;
  if (job.cancelRequestedAt !== undefined) entry.cancelRequestedAt = job.cancelRequestedAt;
  if (job.purgedAt !== undefined) entry.purgedAt = job.purgedAt;
  return entry;
}
