import type { Condition } from "../conditions.js";
import { ProviderError } from "../errors.js";
import type { FailureRecord, JobRecord } from "../job-record.js";
import { isJobState } from "../job-state.js";
import { isTraceparent, parseJobTiming } from "../tracing/timing.js";
import type { LaunchFailure, PendingLaunch, ProvisioningStatus } from "../status.js";
import {
  MAX_CODE_CHARS,
  MAX_CONDITION_MESSAGE_CHARS,
  MAX_ERROR_DETAILS_CHARS,
  MAX_OLD_JOB_TEXT_CHARS,
  MAX_STATUS_MESSAGE_CHARS,
  clipText,
} from "../text-bounds.js";

/** Code of {@link InvalidStatusError}. */
export const INVALID_STATUS_CODE = "INVALID_STATUS";

/**
 * A stored provisioning status the engine cannot work on: not an object, a job list that is
 * not a list, a `null` entry, a required field missing or of the wrong type. The engine
 * refuses such a status before it calls any provider, so it never launches a job it could
 * not record; `path` names the first field at fault (for example
 * `status.provisioning.jobs[2]`). Not retryable: someone must repair the status.
 */
export class InvalidStatusError extends ProviderError {
  static override readonly brandKind: string = "InvalidStatusError";
  static override readonly defaultCode: string = INVALID_STATUS_CODE;
  static override readonly defaultRetryable: boolean = false;
  /** The field at fault, from the root of the stored status. */
  readonly path: string;
  /**
   * @param path - the field at fault.
   * @param problem - what is wrong with it.
   */
  constructor(path: string, problem: string) {
    super(`${path} ${problem}`, { details: { path } });
    this.path = path;
  }
}

type Fields = Record<string, unknown>;

function record(value: unknown, path: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidStatusError(path, `must be an object, got ${kind(value)}`);
  }
  return value as Fields;
}

/** A value from the stored status, as shown in a message: JSON, at most 80 characters. */
function shown(value: unknown): string {
  return clipText(JSON.stringify(value) ?? typeof value, 80);
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function str(o: Fields, key: string, path: string, nonEmpty = false): string {
  const v = o[key];
  if (typeof v !== "string") {
    throw new InvalidStatusError(
      `${path}.${key}`,
      v === undefined ? "is missing" : `must be a string, got ${kind(v)}`,
    );
  }
  if (nonEmpty && v === "") throw new InvalidStatusError(`${path}.${key}`, "must not be empty");
  return v;
}

function optStr(o: Fields, key: string, path: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, path);
}

function int(o: Fields, key: string, path: string, min: number): number {
  const v = o[key];
  if (!(typeof v === "number" && Number.isInteger(v) && v >= min)) {
    throw new InvalidStatusError(
      `${path}.${key}`,
      v === undefined ? "is missing" : `must be an integer >= ${min}, got ${shown(v)}`,
    );
  }
  return v;
}

function optBool(o: Fields, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean")
    throw new InvalidStatusError(`${path}.${key}`, `must be a boolean, got ${kind(v)}`);
  return v;
}

function jobType(o: Fields, path: string): "provision" | "deprovision" {
  const v = o["type"];
  if (v !== "provision" && v !== "deprovision") {
    throw new InvalidStatusError(
      `${path}.type`,
      `must be "provision" or "deprovision", got ${v === undefined ? "nothing" : shown(v)}`,
    );
  }
  return v;
}

/** Copy the optional string fields `keys` of `from` into `to`, checking their type. */
function copyStrings<T extends object>(from: Fields, to: T, keys: readonly string[], path: string) {
  for (const key of keys) {
    const v = optStr(from, key, path);
    if (v !== undefined) (to as Fields)[key] = v;
  }
}

function failure(value: unknown, path: string): FailureRecord {
  const o = record(value, path);
  return {
    code: str(o, "code", path),
    message: str(o, "message", path),
    count: int(o, "count", path, 0),
    at: str(o, "at", path),
    retryAt: str(o, "retryAt", path),
  };
}

function job(value: unknown, path: string): JobRecord {
  const o = record(value, path);
  const state = o["state"];
  if (!isJobState(state)) {
    throw new InvalidStatusError(
      `${path}.state`,
      `must be a job state, got ${state === undefined ? "nothing" : shown(state)}`,
    );
  }
  const out: JobRecord = {
    jobId: str(o, "jobId", path, true),
    type: jobType(o, path),
    state,
    message: o["message"] === undefined ? "" : str(o, "message", path),
    provider: str(o, "provider", path, true),
    correlationId: str(o, "correlationId", path),
    launchedAt: str(o, "launchedAt", path),
    updatedAt:
      o["updatedAt"] === undefined ? str(o, "launchedAt", path) : str(o, "updatedAt", path),
    attempt: int(o, "attempt", path, 1),
  };
  copyStrings(
    o,
    out,
    [
      "finishedAt",
      "endedAfter",
      "configVersion",
      "reason",
      "errorDetails",
      "cancelRequestedAt",
      "nextCheckAt",
    ] as const,
    path,
  );
  const block = optBool(o, "blockDeletionOnFailure", path);
  if (block !== undefined) out.blockDeletionOnFailure = block;
  const awaiting = optBool(o, "awaitingEnd", path);
  if (awaiting !== undefined) out.awaitingEnd = awaiting;
  const progress = o["progress"];
  if (progress !== undefined) {
    if (!(typeof progress === "number" && progress >= 0 && progress <= 100)) {
      throw new InvalidStatusError(`${path}.progress`, "must be a number from 0 to 100");
    }
    out.progress = progress;
  }
  if (o["statusError"] !== undefined)
    out.statusError = failure(o["statusError"], `${path}.statusError`);
  // Diagnostics only: a damaged timing or trace context is dropped, never refused.
  const timing = parseJobTiming(o["timing"]);
  if (timing) out.timing = timing;
  if (isTraceparent(o["traceparent"])) out.traceparent = o["traceparent"];
  return out;
}

function pending(value: unknown, path: string): PendingLaunch {
  const o = record(value, path);
  const out: PendingLaunch = {
    type: jobType(o, path),
    correlationId: str(o, "correlationId", path, true),
    provider: str(o, "provider", path, true),
    attempt: int(o, "attempt", path, 1),
    createdAt: str(o, "createdAt", path),
  };
  copyStrings(o, out, ["configVersion", "lookupAfter", "requestEndedAt"] as const, path);
  if (o["lookups"] !== undefined) out.lookups = int(o, "lookups", path, 0);
  return out;
}

function launchFailure(value: unknown, path: string): LaunchFailure {
  const o = record(value, path);
  const out: LaunchFailure = { ...failure(o, path), type: jobType(o, path) };
  const version = optStr(o, "configVersion", path);
  if (version !== undefined) out.configVersion = version;
  return out;
}

/**
 * A condition the engine wrote, or `undefined` when it is malformed: conditions are
 * recomputed by every reconcile, so a malformed one is dropped rather than refused.
 */
function condition(value: unknown): Condition | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Fields;
  const { type, status, reason, message, lastTransitionTime, observedGeneration } = o;
  if (
    typeof type !== "string" ||
    (status !== "True" && status !== "False" && status !== "Unknown") ||
    typeof reason !== "string" ||
    typeof message !== "string" ||
    typeof lastTransitionTime !== "string"
  ) {
    return undefined;
  }
  const out: Condition = { type, status, reason, message, lastTransitionTime };
  if (typeof observedGeneration === "number" && Number.isInteger(observedGeneration)) {
    out.observedGeneration = observedGeneration;
  }
  return out;
}

/**
 * Check a stored provisioning status field by field and return a fresh copy holding only the
 * fields the engine knows, so that what the engine writes back is its own. The rules for a
 * status edited by hand (docs/kubernetes-runtime.md, "Invalid objects and hand-edited
 * status"):
 * - unknown fields, in the status and in its records, are dropped at the next write;
 * - a job record's `message` may be missing (read as empty), and its `updatedAt` (read as
 *   `launchedAt`); every other required field of a record, of the pending-launch marker
 *   and of a failure record must be there with its type;
 * - optional fields, when present, must have their type;
 * - a `null` or non-object entry anywhere, or a `jobs` that is not a list, is refused;
 * - a malformed condition is dropped (conditions are recomputed by every reconcile).
 * Refusing is the safe answer: a status the engine misreads could make it forget a job
 * and launch a duplicate (E1, E5).
 *
 * @param value - what is stored (for example `status.provisioning` joined with its conditions).
 * @param path - how the fields are named in errors. Default `status`.
 * @throws InvalidStatusError naming the first field at fault.
 */
export function parseProvisioningStatus(value: unknown, path = "status"): ProvisioningStatus {
  const o = record(value, path);
  const jobs = o["jobs"];
  if (!Array.isArray(jobs)) {
    throw new InvalidStatusError(
      `${path}.jobs`,
      jobs === undefined ? "is missing" : `must be a list, got ${kind(jobs)}`,
    );
  }
  const conditions = o["conditions"];
  if (conditions !== undefined && !Array.isArray(conditions)) {
    throw new InvalidStatusError(`${path}.conditions`, `must be a list, got ${kind(conditions)}`);
  }
  const out: ProvisioningStatus = {
    jobs: jobs.map((j, i) => job(j, `${path}.jobs[${i}]`)),
    conditions: (conditions ?? []).flatMap((c) => condition(c) ?? []),
  };
  const seen = new Set<string>();
  out.jobs.forEach((j, i) => {
    const id = `${j.type}\n${j.jobId}`;
    if (seen.has(id)) {
      throw new InvalidStatusError(
        `${path}.jobs[${i}].jobId`,
        `repeats ${j.type} job ${shown(j.jobId)}, which is already in the list`,
      );
    }
    seen.add(id);
  });
  copyStrings(
    o,
    out,
    ["desiredConfigVersion", "reconciledConfigVersion", "deprovisionWaitUntil"] as const,
    path,
  );
  if (o["pendingLaunch"] !== undefined && o["pendingLaunch"] !== null) {
    out.pendingLaunch = pending(o["pendingLaunch"], `${path}.pendingLaunch`);
  }
  if (o["launchFailure"] !== undefined && o["launchFailure"] !== null) {
    out.launchFailure = launchFailure(o["launchFailure"], `${path}.launchFailure`);
  }
  if (o["deprovisionSkipped"] !== undefined && o["deprovisionSkipped"] !== null) {
    const p = `${path}.deprovisionSkipped`;
    const s = record(o["deprovisionSkipped"], p);
    out.deprovisionSkipped = { reason: str(s, "reason", p), at: str(s, "at", p) };
  }
  return out;
}

function boundFailure<T extends FailureRecord>(failure: T, message: number): T {
  return {
    ...failure,
    code: clipText(failure.code, MAX_CODE_CHARS),
    message: clipText(failure.message, message),
  };
}

/**
 * The status with every text field within its budget (docs/kubernetes-runtime.md, "Status
 * budget"): the newest job record of each type keeps up to `MAX_STATUS_MESSAGE_CHARS` of
 * message and `MAX_ERROR_DETAILS_CHARS` of details, older records `MAX_OLD_JOB_TEXT_CHARS`
 * of each; codes and reasons `MAX_CODE_CHARS`; conditions `MAX_CONDITION_MESSAGE_CHARS`.
 * Applied before every status write. Idempotent.
 */
export function boundStatus(status: ProvisioningStatus): ProvisioningStatus {
  const newest = new Set<JobRecord>();
  for (const type of ["provision", "deprovision"] as const) {
    const last = status.jobs.findLast((j) => j.type === type);
    if (last) newest.add(last);
  }
  const jobs = status.jobs.map((j) => {
    const text = newest.has(j) ? MAX_STATUS_MESSAGE_CHARS : MAX_OLD_JOB_TEXT_CHARS;
    const details = newest.has(j) ? MAX_ERROR_DETAILS_CHARS : MAX_OLD_JOB_TEXT_CHARS;
    const bounded: JobRecord = { ...j, message: clipText(j.message, text) };
    if (j.errorDetails !== undefined) bounded.errorDetails = clipText(j.errorDetails, details);
    if (j.reason !== undefined) bounded.reason = clipText(j.reason, MAX_CODE_CHARS);
    if (j.statusError) bounded.statusError = boundFailure(j.statusError, text);
    return bounded;
  });
  const out: ProvisioningStatus = {
    ...status,
    jobs,
    conditions: status.conditions.map((c) => ({
      ...c,
      reason: clipText(c.reason, MAX_CODE_CHARS),
      message: clipText(c.message, MAX_CONDITION_MESSAGE_CHARS),
    })),
  };
  if (status.launchFailure) {
    out.launchFailure = boundFailure(status.launchFailure, MAX_STATUS_MESSAGE_CHARS);
  }
  if (status.deprovisionSkipped) {
    out.deprovisionSkipped = {
      ...status.deprovisionSkipped,
      reason: clipText(status.deprovisionSkipped.reason, MAX_STATUS_MESSAGE_CHARS),
    };
  }
  return out;
}
