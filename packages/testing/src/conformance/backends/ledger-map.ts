/**
 * From the AAP simulator's ledger to the conformance suite's: which operation, config
 * version and correlation id a job was for, and how it ended.
 *
 * @module
 */
import { configVersion, type JobType } from "@provisionkit/core";
import type { AapJobStatus, AapLedgerJob } from "../../aap/records.js";
import { asRecord } from "../../eda/payload.js";
import { withEnd } from "../ledger-entry.js";
import type { ConformanceJob, ConformanceOutcome } from "../types.js";
import type { OperationNames } from "./names.js";

/** The payload annotations both providers put on every job they cause (docs/eda-protocol.md). */
export const JOB_ANNOTATIONS = {
  operation: "provisionkit.io/operation",
  correlationId: "provisionkit.io/correlation-id",
  configVersion: "provisionkit.io/config-version",
} as const;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function operationOf(value: unknown): JobType | undefined {
  return value === "provision" || value === "deprovision" ? value : undefined;
}

const OUTCOMES: Partial<Record<AapJobStatus, ConformanceOutcome>> = {
  successful: "succeeded",
  failed: "failed",
  error: "failed",
  canceled: "canceled",
};

/** What a job was launched for, read from its extra vars. */
interface LaunchFacts {
  operation: JobType | undefined;
  correlationId: string | undefined;
  configVersion: string | undefined;
  resourceKey: string | undefined;
  appliedConfigVersion: string | undefined;
}

/** The config version of the payload's `spec` (an object), if it has one. */
function appliedVersion(payload: Record<string, unknown> | undefined): string | undefined {
  const spec = payload?.spec;
  return typeof spec === "object" && spec !== null && !Array.isArray(spec)
    ? configVersion(spec)
    : undefined;
}

/**
 * The payload annotations (`ansible_eda.event.payload.metadata.annotations`) first, then
 * AapProvider's own `provisionkit.{operation, correlation_id, config_version}`.
 */
function launchFacts(extraVars: Record<string, unknown>): LaunchFacts {
  const payload = asRecord(asRecord(asRecord(extraVars.ansible_eda)?.event)?.payload);
  const annotations = asRecord(asRecord(payload?.metadata)?.annotations) ?? {};
  const own = asRecord(extraVars.provisionkit) ?? {};
  return {
    operation: operationOf(annotations[JOB_ANNOTATIONS.operation]) ?? operationOf(own.operation),
    correlationId: text(annotations[JOB_ANNOTATIONS.correlationId]) ?? text(own.correlation_id),
    configVersion: text(annotations[JOB_ANNOTATIONS.configVersion]) ?? text(own.config_version),
    resourceKey: text(asRecord(own.resource)?.key),
    appliedConfigVersion: appliedVersion(payload),
  };
}

/**
 * One AAP ledger job as a {@link ConformanceJob}. The operation comes from the payload
 * annotations, else from AapProvider's `provisionkit` extra vars, else from the template
 * (the deprovision template's jobs are deprovisions, every other job a provision). The
 * config version is kept for provisions only. A job that names no resource gets the
 * resource key `""`.
 *
 * @param templates - The backend's template names.
 */
export function toConformanceJob(job: AapLedgerJob, templates: OperationNames): ConformanceJob {
  const facts = launchFacts(job.extraVars);
  const byTemplate: JobType =
    job.templateName === templates.deprovision && job.templateName !== templates.provision
      ? "deprovision"
      : "provision";
  const operation = facts.operation ?? byTemplate;
  const entry: ConformanceJob = {
    id: String(job.id),
    resourceKey: job.resourceKey ?? facts.resourceKey ?? "",
    operation,
    createdAt: job.createdAt,
  };
  if (operation === "provision" && facts.configVersion !== undefined) {
    entry.configVersion = facts.configVersion;
  }
  if (operation === "provision" && facts.appliedConfigVersion !== undefined) {
    entry.appliedConfigVersion = facts.appliedConfigVersion;
  }
  if (facts.correlationId !== undefined) entry.correlationId = facts.correlationId;
  return withEnd(entry, OUTCOMES[job.status], job);
}
