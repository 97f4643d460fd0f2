import { ContractViolationError, clampRetryAfterMs } from "../errors.js";
import { isJobState } from "../job-state.js";
import type { DeprovisionResult, FoundJob, ProvisionResult, ProvisionStatus } from "../results.js";
import {
  MAX_ERROR_DETAILS_CHARS,
  MAX_JOB_ID_CHARS,
  MAX_STATUS_MESSAGE_CHARS,
  clipText,
} from "../text-bounds.js";

/**
 * Checks of provider answers. Custom providers are written in JavaScript too, so the
 * engine checks the shape of what it stores rather than trusting the types. Every check
 * throws a {@link ContractViolationError} naming the rule and the field. Text a provider
 * returns is clipped here (`MAX_STATUS_MESSAGE_CHARS`, `MAX_ERROR_DETAILS_CHARS`): it goes
 * into the resource's status, and an oversized status is refused by the API server.
 */

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null) {
    throw new ContractViolationError(
      "P3",
      `${what} must be an object, got ${value === null ? "null" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

function jobId(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") {
    throw new ContractViolationError("P2", `${what}.jobId must be a non-empty string`);
  }
  if (value.length > MAX_JOB_ID_CHARS) {
    // An id is never clipped (a clipped id names another job); a longer one is refused.
    throw new ContractViolationError(
      "P2",
      `${what}.jobId must be at most ${MAX_JOB_ID_CHARS} characters, got ${value.length}`,
    );
  }
  return value;
}

function message(value: unknown, what: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string")
    throw new ContractViolationError("P3", `${what}.message must be a string`);
  return clipText(value, MAX_STATUS_MESSAGE_CHARS);
}

/**
 * Run a check of a launch answer. A malformed launch answer does not prove that no job
 * was created, so its violation is marked `outcomeUnknown`: the engine then looks the
 * job up by correlation id instead of launching again.
 */
function launchAnswer<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ContractViolationError) {
      throw new ContractViolationError(error.rule, error.message.slice(error.rule.length + 2), {
        outcomeUnknown: true,
      });
    }
    throw error;
  }
}

/** Check a `triggerProvision` answer. Violations are `outcomeUnknown`. */
export function checkProvisionResult(value: unknown): ProvisionResult {
  return launchAnswer(() => provisionResult(value));
}

function provisionResult(value: unknown): ProvisionResult {
  const o = object(value, "ProvisionResult");
  const state = o["initialState"];
  if (!isJobState(state)) {
    throw new ContractViolationError(
      "P3",
      `ProvisionResult.initialState must be a JobState, got ${JSON.stringify(state)}`,
    );
  }
  return {
    jobId: jobId(o["jobId"], "ProvisionResult"),
    initialState: state,
    message: message(o["message"], "ProvisionResult"),
  };
}

/**
 * Check a status answer (`getProvisionStatus`, `getDeprovisionStatus`) and return a copy
 * holding only the fields of {@link ProvisionStatus}: anything else a provider adds is
 * dropped, so it can never reach the stored status.
 */
export function checkProvisionStatus(value: unknown, what = "ProvisionStatus"): ProvisionStatus {
  const o = object(value, what);
  const id = jobId(o["jobId"], what);
  const state = o["state"];
  if (!isJobState(state)) {
    throw new ContractViolationError(
      "P3",
      `${what}.state must be a JobState, got ${JSON.stringify(state)}`,
    );
  }
  const status: ProvisionStatus = { jobId: id, state, message: message(o["message"], what) };
  for (const field of [
    "reconciledVersion",
    "createdTime",
    "startTime",
    "endTime",
    "errorDetails",
  ] as const) {
    const v = o[field];
    if (v === undefined) continue;
    if (typeof v !== "string") {
      throw new ContractViolationError("P3", `${what}.${field} must be a string when present`);
    }
    status[field] = field === "errorDetails" ? clipText(v, MAX_ERROR_DETAILS_CHARS) : v;
  }
  const progress = o["progress"];
  if (progress !== undefined) {
    if (!(typeof progress === "number" && progress >= 0 && progress <= 100)) {
      throw new ContractViolationError(
        "P3",
        `${what}.progress must be a number from 0 to 100 when present, got ${typeof progress === "number" ? String(progress) : typeof progress}`,
      );
    }
    status.progress = progress;
  }
  return status;
}

/** Check a `findJob` answer: a status, plus an optional boolean `blockDeletionOnFailure`. */
export function checkFoundJob(value: unknown): FoundJob {
  const found: FoundJob = checkProvisionStatus(value, "FoundJob");
  const block = (value as Record<string, unknown>)["blockDeletionOnFailure"];
  if (block !== undefined) {
    if (typeof block !== "boolean") {
      throw new ContractViolationError(
        "P7",
        "FoundJob.blockDeletionOnFailure must be a boolean when present",
      );
    }
    found.blockDeletionOnFailure = block;
  }
  return found;
}

/**
 * Check a `triggerDeprovision` answer (P7: `triggered` and `waiting` declare
 * `blockDeletionOnFailure`). Violations are `outcomeUnknown`.
 */
export function checkDeprovisionResult(value: unknown): DeprovisionResult {
  return launchAnswer(() => deprovisionResult(value));
}

function deprovisionResult(value: unknown): DeprovisionResult {
  const o = object(value, "DeprovisionResult");
  const action = o["action"];
  if (action === "skipped") {
    if (typeof o["reason"] !== "string" || o["reason"].trim() === "")
      throw new ContractViolationError("P6", "a skipped DeprovisionResult must give a reason");
    return { action, reason: clipText(o["reason"], MAX_STATUS_MESSAGE_CHARS) };
  }
  if (action !== "triggered" && action !== "waiting") {
    throw new ContractViolationError(
      "P3",
      `DeprovisionResult.action must be triggered, waiting or skipped, got ${JSON.stringify(action)}`,
    );
  }
  if (typeof o["blockDeletionOnFailure"] !== "boolean") {
    throw new ContractViolationError(
      "P7",
      `a ${action} DeprovisionResult must declare blockDeletionOnFailure as a boolean`,
    );
  }
  const provisionJobStatus =
    o["provisionJobStatus"] === undefined
      ? undefined
      : checkProvisionStatus(o["provisionJobStatus"], "DeprovisionResult.provisionJobStatus");
  const retryAfterMs = o["retryAfterMs"];
  if (
    retryAfterMs !== undefined &&
    !(typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && retryAfterMs >= 0)
  ) {
    throw new ContractViolationError(
      "P3",
      "DeprovisionResult.retryAfterMs must be a finite number >= 0 when present",
    );
  }
  const common = {
    blockDeletionOnFailure: o["blockDeletionOnFailure"],
    ...(provisionJobStatus ? { provisionJobStatus } : {}),
  };
  if (action === "triggered")
    return { action, jobId: jobId(o["jobId"], "DeprovisionResult"), ...common };
  // A provider may copy a server's delay: bounded like every server-provided delay.
  return {
    action,
    ...common,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs: clampRetryAfterMs(retryAfterMs) }),
  };
}
