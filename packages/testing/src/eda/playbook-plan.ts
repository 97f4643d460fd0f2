/**
 * What a playbook run writes, decided from the job's outcome and its event payload, and
 * how that write changes an object's metadata.
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { ResolvedPlaybook } from "./options.js";
import { jobPayload, payloadAnnotation, payloadResource } from "./payload.js";
import type { EdaEffectChange, EdaEffectResource } from "./records.js";

/**
 * One write task of a playbook, as the reference playbooks of `ansible/` do it:
 * - `annotate`: a JSON merge patch of annotations with no resourceVersion precondition
 *   (`ansible/playbooks/tasks/annotate.yml`): keys only this playbook writes cannot conflict
 *   with other writers, so it is never refused for a concurrent change;
 * - `finalizer`: read the object, then a patch whose precondition is the resourceVersion just
 *   read, re-read and tried again on a conflict (`tasks/finalizer.yml`,
 *   `tasks/finalizer-attempt.yml`); adding is skipped on an object being deleted, since the
 *   API server refuses new finalizers then.
 */
export type PlaybookStep =
  | {
      readonly kind: "annotate";
      readonly annotations: Readonly<Record<string, string>>;
      readonly change: EdaEffectChange;
    }
  | { readonly kind: "finalizer"; readonly action: "add" | "remove" };

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
      /** The write tasks, in order; the first that fails ends them. */
      readonly steps: readonly PlaybookStep[];
      /**
       * The `rescue:` tasks run when a step failed, given the failed task's name and message
       * as `tasks/failure.yml` composes them (the failure annotation,
       * and a release of the finalizer where the event allows it); none for a failure's own
       * writes.
       */
      readonly rescue: ((failure: string) => readonly PlaybookStep[]) | undefined;
    };

/**
 * The failure annotation and, for a deprovision whose event said block-deletion-on-failure
 * `"false"`, the finalizer's removal after it: a failed teardown must not keep the object
 * from going then, and the failure is on record before the finalizer goes
 * (`ansible/playbooks/deprovision.yml`, `rescue:`).
 */
function failureSteps(
  settings: ResolvedPlaybook,
  text: string,
  releaseFinalizer: boolean,
): PlaybookStep[] {
  return [
    { kind: "annotate", annotations: { [settings.failureAnnotation]: text }, change: "failure" },
    ...(releaseFinalizer ? [{ kind: "finalizer", action: "remove" } as const] : []),
  ];
}

/** The failure annotation's text, as `tasks/failure.yml` writes it. */
function failureText(
  correlationId: string | undefined,
  operation: "provision" | "deprovision",
  message: string,
): string {
  return JSON.stringify({ correlationId: correlationId ?? "", operation, message });
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
  const write = { kind: "write", resource, operation, correlationId } as const;
  // Absent or anything but "false" keeps the finalizer: the safe default.
  const release =
    operation === "deprovision" &&
    payloadAnnotation(payload, settings.blockDeletionOnFailureAnnotation) === "false";
  switch (job.status) {
    case "successful": {
      // The success annotation is the last write of a successful run, after the finalizer
      // (`ansible/playbooks/provision.yml`, `deprovision.yml`): it says that everything the
      // run had to do is done, so a finalizer write that fails is reported as the run's
      // failure (its rescue), never next to a success.
      const configVersion = payloadAnnotation(payload, settings.configVersionAnnotation);
      const applied: Record<string, string> = {};
      if (operation === "provision" && configVersion !== undefined) {
        applied[settings.appliedVersionAnnotation] = configVersion;
      }
      if (correlationId !== undefined)
        applied[settings.appliedCorrelationAnnotation] = correlationId;
      const acknowledge: PlaybookStep[] =
        Object.keys(applied).length === 0
          ? []
          : [
              {
                kind: "annotate",
                annotations: applied,
                change: operation === "provision" ? "applied-version" : "applied-correlation",
              },
            ];
      const finalizer: PlaybookStep = {
        kind: "finalizer",
        action: operation === "provision" ? "add" : "remove",
      };
      // `tasks/failure.yml` names the failed task and its message.
      const rescue = settings.writeFailure
        ? (failure: string) =>
            failureSteps(settings, failureText(correlationId, operation, failure), release)
        : undefined;
      return { ...write, steps: [finalizer, ...acknowledge], rescue };
    }
    case "failed":
    case "error": {
      if (!settings.writeFailure) {
        return { kind: "skip", reason: "failure writing is disabled", ...context };
      }
      const message = await explanation();
      const steps = failureSteps(settings, failureText(correlationId, operation, message), release);
      return { ...write, steps, rescue: undefined };
    }
    default:
      return {
        kind: "skip",
        reason: `the job ended ${job.status}: nothing is written`,
        ...context,
      };
  }
}
