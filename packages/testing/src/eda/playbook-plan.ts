/**
 * What a playbook run writes, decided from the job's outcome and its event payload, and
 * how that write changes an object's metadata.
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { ResolvedPlaybook } from "./options.js";
import { asRecord, jobPayload, payloadAnnotation, payloadResource } from "./payload.js";
import type { EdaEffectChange, EdaEffectResource } from "./records.js";

/** The metadata fields a write sets, and the changes they amount to. */
export interface MetadataWrite {
  /** Fields of `metadata` to merge-patch (`finalizers` replaces the whole list). */
  readonly fields: Record<string, unknown>;
  /** The changes. */
  readonly changes: EdaEffectChange[];
}

/** Computes the write against an object's current metadata; no changes means nothing to do. */
export type MetadataMutation = (metadata: Record<string, unknown>) => MetadataWrite;

/** What the playbook will do for a job. */
export type PlaybookPlan =
  | {
      readonly kind: "skip";
      readonly reason: string;
      readonly resource?: EdaEffectResource;
      readonly operation?: string;
      readonly correlationId?: string;
    }
  | {
      readonly kind: "write";
      readonly resource: EdaEffectResource;
      readonly operation: "provision" | "deprovision";
      readonly correlationId: string | undefined;
      readonly mutation: MetadataMutation;
    };

function finalizersOf(metadata: Record<string, unknown>): string[] {
  const list = metadata.finalizers;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === "string") : [];
}

function annotationsOf(metadata: Record<string, unknown>): Record<string, unknown> {
  return asRecord(metadata.annotations) ?? {};
}

/** One field of a write and the change it amounts to; undefined when nothing changes. */
type WritePart = readonly [
  field: "annotations" | "finalizers",
  value: unknown,
  change: EdaEffectChange,
];

/** The write made of the parts that change something, in order. */
function writeOf(parts: readonly (WritePart | undefined)[]): MetadataWrite {
  const fields: Record<string, unknown> = {};
  const changes: EdaEffectChange[] = [];
  for (const [field, value, change] of parts.filter((part) => part !== undefined)) {
    fields[field] = value;
    changes.push(change);
  }
  return { fields, changes };
}

/** Sets annotations; the change is reported only when a value differs. */
function annotate(
  metadata: Record<string, unknown>,
  wanted: Record<string, string>,
  change: EdaEffectChange,
): WritePart | undefined {
  const current = annotationsOf(metadata);
  const differs = Object.entries(wanted).some(([key, value]) => current[key] !== value);
  return differs ? ["annotations", wanted, change] : undefined;
}

/** Removes the finalizer, when the object has it. */
function removeFinalizer(
  metadata: Record<string, unknown>,
  finalizer: string,
): WritePart | undefined {
  const finalizers = finalizersOf(metadata);
  return finalizers.includes(finalizer)
    ? ["finalizers", finalizers.filter((f) => f !== finalizer), "finalizer-removed"]
    : undefined;
}

function provision(
  settings: ResolvedPlaybook,
  correlationId: string | undefined,
  configVersion: string | undefined,
): MetadataMutation {
  return (metadata) => {
    const finalizers = finalizersOf(metadata);
    // The API server refuses new finalizers on an object being deleted (422), so the
    // playbook adds it only while the object is not; the annotations are written anyway.
    const deleting =
      metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
    const addFinalizer = !finalizers.includes(settings.finalizer) && !deleting;
    const wanted: Record<string, string> = {};
    if (configVersion !== undefined) wanted[settings.appliedVersionAnnotation] = configVersion;
    if (correlationId !== undefined) wanted[settings.appliedCorrelationAnnotation] = correlationId;
    return writeOf([
      addFinalizer
        ? ["finalizers", [...finalizers, settings.finalizer], "finalizer-added"]
        : undefined,
      annotate(metadata, wanted, "applied-version"),
    ]);
  };
}

function deprovision(
  settings: ResolvedPlaybook,
  correlationId: string | undefined,
): MetadataMutation {
  return (metadata) =>
    writeOf([
      removeFinalizer(metadata, settings.finalizer),
      // The acknowledgement: the correlation id of the last event whose playbook succeeded.
      correlationId === undefined
        ? undefined
        : annotate(
            metadata,
            { [settings.appliedCorrelationAnnotation]: correlationId },
            "applied-correlation",
          ),
    ]);
}

/**
 * The failure annotation and, for a deprovision whose event said block-deletion-on-failure
 * `"false"`, the finalizer's removal, in one write: a failed teardown must not keep the
 * object from going then.
 */
function failure(
  settings: ResolvedPlaybook,
  text: string,
  releaseFinalizer: boolean,
): MetadataMutation {
  return (metadata) =>
    writeOf([
      annotate(metadata, { [settings.failureAnnotation]: text }, "failure"),
      releaseFinalizer ? removeFinalizer(metadata, settings.finalizer) : undefined,
    ]);
}

/**
 * Decides what the playbook of a terminal job writes.
 *
 * @param explanation - Returns the failure message (job explanation or a fallback).
 */
export async function planPlaybook(
  settings: ResolvedPlaybook,
  job: AapLedgerJob,
  explanation: () => Promise<string>,
): Promise<PlaybookPlan> {
  const payload = jobPayload(job.extraVars);
  if (!payload) {
    const ignored = "extra_vars" in job.ignoredFields;
    return {
      kind: "skip",
      reason: ignored
        ? "no ansible_eda.event.payload: the template ignored the launch's extra_vars"
        : "no ansible_eda.event.payload in the job's extra vars",
    };
  }
  const operation = payloadAnnotation(payload, settings.operationAnnotation);
  const correlationId = payloadAnnotation(payload, settings.correlationAnnotation);
  const resource = payloadResource(payload);
  const known = { ...(operation === undefined ? {} : { operation }) };
  const context = {
    ...known,
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(resource === undefined ? {} : { resource }),
  };
  if (!resource) return { kind: "skip", reason: "the payload names no resource", ...context };
  if (operation !== "provision" && operation !== "deprovision") {
    const reason =
      operation === undefined
        ? `no ${settings.operationAnnotation} annotation in the payload`
        : `unknown operation "${operation}"`;
    return { kind: "skip", reason, ...context };
  }
  const write: Omit<Extract<PlaybookPlan, { kind: "write" }>, "mutation"> = {
    kind: "write",
    resource,
    operation,
    correlationId,
  };
  switch (job.status) {
    case "successful":
      return {
        ...write,
        mutation:
          operation === "provision"
            ? provision(
                settings,
                correlationId,
                payloadAnnotation(payload, settings.configVersionAnnotation),
              )
            : deprovision(settings, correlationId),
      };
    case "failed":
    case "error": {
      if (!settings.writeFailure) {
        return { kind: "skip", reason: "failure writing is disabled", ...context };
      }
      const message = await explanation();
      const text = JSON.stringify({ correlationId: correlationId ?? "", operation, message });
      // Absent or anything but "false" keeps the finalizer: the safe default.
      const release =
        operation === "deprovision" &&
        payloadAnnotation(payload, settings.blockDeletionOnFailureAnnotation) === "false";
      return { ...write, mutation: failure(settings, text, release) };
    }
    default:
      return {
        kind: "skip",
        reason: `the job ended ${job.status}: nothing is written`,
        ...context,
      };
  }
}
