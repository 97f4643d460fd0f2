/**
 * P4: a Succeeded provision status reports `reconciledVersion` equal to the config version
 * it was triggered with, or omits it; never a different one. Omitting it is legal (the
 * engine uses the recorded version), so the backend's ledger is checked too: the job must
 * apply the version it was triggered with.
 *
 * @module
 */
import { JobState } from "@provisionkit/core";
import type { CallRecord } from "../driver/trace.js";
import { shortVersion } from "../driver/world.js";
import type { Violation } from "../types.js";
import type { CheckContext } from "./context.js";

interface Reported {
  call: CallRecord;
  jobId: string;
  reconciledVersion: string;
}

function succeededReports(call: CallRecord): Reported[] {
  if (!call.outcome.ok) return [];
  const value = call.outcome.value as Record<string, unknown> | undefined;
  const statuses: unknown[] = [];
  if (call.method === "getProvisionStatus") statuses.push(value);
  if (call.method === "findJob" && call.jobType === "provision") statuses.push(value);
  if (call.method === "triggerDeprovision") statuses.push(value?.["provisionJobStatus"]);
  return statuses.flatMap((s) => {
    const status = s as
      { jobId?: unknown; state?: unknown; reconciledVersion?: unknown } | undefined;
    if (status?.state !== JobState.Succeeded || typeof status.reconciledVersion !== "string")
      return [];
    if (typeof status.jobId !== "string") return [];
    return [{ call, jobId: status.jobId, reconciledVersion: status.reconciledVersion }];
  });
}

/** P4: reported versions and applied versions match the triggered one. */
export function checkP4(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  const reported = new Set<string>();
  for (const { call, jobId, reconciledVersion } of ctx.trace.calls.flatMap(succeededReports)) {
    const record = ctx.views.get(call.resourceKey)?.get(`provision|${jobId}`);
    const job = ctx.ledgerJob(call.resourceKey, "provision", jobId, call.at);
    const origin = job && ctx.originOf(job);
    const triggered =
      (origin?.method === "triggerProvision" ? origin.configVersion : undefined) ??
      record?.configVersion;
    if (triggered === undefined || triggered === reconciledVersion) continue;
    const slot = `${call.resourceKey}|${jobId}`;
    if (reported.has(slot)) continue;
    reported.add(slot);
    out.push(
      ctx.violation(
        "P4",
        `${call.method} at ${ctx.t(call.at)} reported provision job ${jobId} of ${call.resourceKey} Succeeded with reconciledVersion ${shortVersion(reconciledVersion)}, but it was triggered with ${shortVersion(triggered)}`,
      ),
    );
  }
  for (const job of ctx.trace.ledger) {
    const origin = ctx.originOf(job);
    if (job.operation !== "provision" || job.configVersion === undefined) continue;
    if (origin?.method !== "triggerProvision" || origin.configVersion === undefined) continue;
    if (origin.configVersion === job.configVersion) continue;
    out.push(
      ctx.violation(
        "P4",
        `triggerProvision for ${job.resourceKey} at ${ctx.t(origin.at)} was asked for config version ${shortVersion(origin.configVersion)}, but the backend's ${ctx.label(job)} applies ${shortVersion(job.configVersion)}`,
      ),
    );
  }
  out.push(...oldSpecs(ctx));
  return out;
}

/**
 * Provision jobs whose backend shows they received another spec of the resource than the
 * version they were labelled with: an old spec under the right version label. Only a spec
 * the resource actually had counts (a provider's own payload transformation is not judged).
 */
function oldSpecs(ctx: CheckContext): Violation[] {
  const out: Violation[] = [];
  for (const job of ctx.trace.ledger) {
    const { configVersion: label, appliedConfigVersion: applied } = job;
    if (job.operation !== "provision" || label === undefined || applied === undefined) continue;
    if (label === applied || !knownVersions(ctx, job.resourceKey).has(applied)) continue;
    out.push(
      ctx.violation(
        "P4",
        `${job.resourceKey}: the backend's ${ctx.label(job)} received the spec of config version ${shortVersion(applied)} under the version label ${shortVersion(label)}`,
      ),
    );
  }
  return out;
}

/** Every config version the resource's spec had during the run. */
function knownVersions(ctx: CheckContext, key: string): Set<string> {
  const versions = new Set<string>();
  for (const persist of ctx.trace.persists) {
    const desired = persist.status.desiredConfigVersion;
    if (persist.resourceKey === key && desired !== undefined) versions.add(desired);
  }
  const desired = ctx.trace.final.get(key)?.desired;
  if (desired !== undefined) versions.add(desired);
  return versions;
}
