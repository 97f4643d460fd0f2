import { describe, expect, it } from "vitest";
import {
  InvalidStatusError,
  JobState,
  MAX_STATUS_MESSAGE_CHARS,
  boundStatus,
  parseProvisioningStatus,
  type JobRecord,
  type ProvisioningStatus,
} from "@provisionkit/core";

// Issue 21: each field of a stored provisioning status, as parseProvisioningStatus reads it
// (docs/kubernetes-runtime.md, "Invalid objects and hand-edited status"): which values are
// refused and how the error names the field, which optional fields are kept, and what
// null and absent mean.

const at = "2026-01-01T00:00:00.000Z";
const later = "2026-01-01T00:05:00.000Z";
const minimalJob: JobRecord = {
  jobId: "job:1",
  type: "provision",
  state: JobState.Running,
  message: "working",
  provider: "p",
  correlationId: "c1",
  launchedAt: at,
  updatedAt: at,
  attempt: 1,
};
const job = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...minimalJob,
  ...over,
});
const failureRecord = { code: "E", message: "m", count: 1, at, retryAt: later };
const pendingMarker = {
  type: "provision",
  correlationId: "c2",
  provider: "p",
  attempt: 2,
  createdAt: at,
};
const deprovisionSkipped = { reason: "the provider has no deprovision", at };
const readyCondition = {
  type: "Ready",
  status: "True",
  reason: "Provisioned",
  message: "",
  lastTransitionTime: at,
};

/** The error parseProvisioningStatus throws for `value` (default path `status`). */
function refusal(value: unknown): InvalidStatusError {
  try {
    parseProvisioningStatus(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidStatusError);
    return error as InvalidStatusError;
  }
  throw new Error("accepted");
}

describe("parseProvisioningStatus names the field at fault and what is wrong with it", () => {
  it.each<[string, unknown, string, string]>([
    // The status and its lists.
    ["a null status", null, "status", "must be an object, got null"],
    ["a status that is a list", [], "status", "must be an object, got an array"],
    ["no jobs", { conditions: [] }, "status.jobs", "is missing"],
    ["jobs as an object", { jobs: {} }, "status.jobs", "must be a list, got object"],
    ["jobs as null", { jobs: null }, "status.jobs", "must be a list, got null"],
    [
      "conditions as an object",
      { jobs: [], conditions: {} },
      "status.conditions",
      "must be a list, got object",
    ],
    [
      "conditions as a string",
      { jobs: [], conditions: "Ready" },
      "status.conditions",
      "must be a list, got string",
    ],
    ["a job that is a list", { jobs: [[]] }, "status.jobs[0]", "must be an object, got an array"],
    // Required strings of a job record.
    [
      "a job without jobId",
      { jobs: [job({ jobId: undefined })] },
      "status.jobs[0].jobId",
      "is missing",
    ],
    [
      "a numeric jobId",
      { jobs: [job({ jobId: 7 })] },
      "status.jobs[0].jobId",
      "must be a string, got number",
    ],
    ["an empty jobId", { jobs: [job({ jobId: "" })] }, "status.jobs[0].jobId", "must not be empty"],
    [
      "an empty provider",
      { jobs: [job({ provider: "" })] },
      "status.jobs[0].provider",
      "must not be empty",
    ],
    [
      "a null correlationId",
      { jobs: [job({ correlationId: null })] },
      "status.jobs[0].correlationId",
      "must be a string, got null",
    ],
    [
      "a list as launchedAt",
      { jobs: [job({ launchedAt: [at] })] },
      "status.jobs[0].launchedAt",
      "must be a string, got an array",
    ],
    // Attempt: an integer >= 1.
    ["no attempt", { jobs: [job({ attempt: undefined })] }, "status.jobs[0].attempt", "is missing"],
    [
      "attempt 0",
      { jobs: [job({ attempt: 0 })] },
      "status.jobs[0].attempt",
      "must be an integer >= 1, got 0",
    ],
    [
      "attempt 1.5",
      { jobs: [job({ attempt: 1.5 })] },
      "status.jobs[0].attempt",
      "must be an integer >= 1, got 1.5",
    ],
    [
      "attempt as a string",
      { jobs: [job({ attempt: "2" })] },
      "status.jobs[0].attempt",
      'must be an integer >= 1, got "2"',
    ],
    // State and type.
    [
      "no state",
      { jobs: [job({ state: undefined })] },
      "status.jobs[0].state",
      "must be a job state, got nothing",
    ],
    [
      "a numeric state",
      { jobs: [job({ state: 3 })] },
      "status.jobs[0].state",
      "must be a job state, got 3",
    ],
    [
      "no type",
      { jobs: [job({ type: undefined })] },
      "status.jobs[0].type",
      'must be "provision" or "deprovision", got nothing',
    ],
    [
      "an unknown type",
      { jobs: [job({ type: "both" })] },
      "status.jobs[0].type",
      'must be "provision" or "deprovision", got "both"',
    ],
    // Optional fields of a job record, when present, must have their type.
    [
      "awaitingEnd as a string",
      { jobs: [job({ awaitingEnd: "yes" })] },
      "status.jobs[0].awaitingEnd",
      "must be a boolean, got string",
    ],
    [
      "blockDeletionOnFailure as a number",
      { jobs: [job({ blockDeletionOnFailure: 1 })] },
      "status.jobs[0].blockDeletionOnFailure",
      "must be a boolean, got number",
    ],
    [
      "progress as a string",
      { jobs: [job({ progress: "50" })] },
      "status.jobs[0].progress",
      "must be a number from 0 to 100",
    ],
    [
      "a negative progress",
      { jobs: [job({ progress: -1 })] },
      "status.jobs[0].progress",
      "must be a number from 0 to 100",
    ],
    [
      "progress over 100",
      { jobs: [job({ progress: 100.5 })] },
      "status.jobs[0].progress",
      "must be a number from 0 to 100",
    ],
    [
      "a null finishedAt",
      { jobs: [job({ finishedAt: null })] },
      "status.jobs[0].finishedAt",
      "must be a string, got null",
    ],
    [
      "a numeric finishedAt on the third job",
      { jobs: [job(), job({ jobId: "job:2" }), job({ jobId: "job:3", finishedAt: 5 })] },
      "status.jobs[2].finishedAt",
      "must be a string, got number",
    ],
    [
      "a negative statusError count",
      { jobs: [job({ statusError: { ...failureRecord, count: -1 } })] },
      "status.jobs[0].statusError.count",
      "must be an integer >= 0, got -1",
    ],
    [
      "a statusError without retryAt",
      { jobs: [job({ statusError: { ...failureRecord, retryAt: undefined } })] },
      "status.jobs[0].statusError.retryAt",
      "is missing",
    ],
    [
      "the same job twice",
      { jobs: [job(), job({ state: JobState.Failed })] },
      "status.jobs[1].jobId",
      'repeats provision job "job:1"',
    ],
    // The pending-launch marker.
    [
      "a marker that is a list",
      { jobs: [], pendingLaunch: [pendingMarker] },
      "status.pendingLaunch",
      "must be an object, got an array",
    ],
    [
      "a marker with an empty correlationId",
      { jobs: [], pendingLaunch: { ...pendingMarker, correlationId: "" } },
      "status.pendingLaunch.correlationId",
      "must not be empty",
    ],
    [
      "a marker with an empty provider",
      { jobs: [], pendingLaunch: { ...pendingMarker, provider: "" } },
      "status.pendingLaunch.provider",
      "must not be empty",
    ],
    [
      "a marker with negative lookups",
      { jobs: [], pendingLaunch: { ...pendingMarker, lookups: -1 } },
      "status.pendingLaunch.lookups",
      "must be an integer >= 0, got -1",
    ],
    [
      "a marker with null lookups",
      { jobs: [], pendingLaunch: { ...pendingMarker, lookups: null } },
      "status.pendingLaunch.lookups",
      "must be an integer >= 0, got null",
    ],
    // The launch failure.
    [
      "a launch failure without type",
      { jobs: [], launchFailure: failureRecord },
      "status.launchFailure.type",
      'must be "provision" or "deprovision", got nothing',
    ],
    [
      "a launch failure without count",
      { jobs: [], launchFailure: { ...failureRecord, type: "provision", count: undefined } },
      "status.launchFailure.count",
      "is missing",
    ],
    [
      "a numeric configVersion on a launch failure",
      { jobs: [], launchFailure: { ...failureRecord, type: "provision", configVersion: 5 } },
      "status.launchFailure.configVersion",
      "must be a string, got number",
    ],
    // The skipped deprovision.
    [
      "a skipped deprovision that is a string",
      { jobs: [], deprovisionSkipped: "yes" },
      "status.deprovisionSkipped",
      "must be an object, got string",
    ],
    [
      "a skipped deprovision without at",
      { jobs: [], deprovisionSkipped: { reason: "r" } },
      "status.deprovisionSkipped.at",
      "is missing",
    ],
    [
      "a numeric skipped-deprovision reason",
      { jobs: [], deprovisionSkipped: { reason: 7, at } },
      "status.deprovisionSkipped.reason",
      "must be a string, got number",
    ],
    // Top-level strings.
    [
      "a boolean desiredConfigVersion",
      { jobs: [], desiredConfigVersion: false },
      "status.desiredConfigVersion",
      "must be a string, got boolean",
    ],
  ])("%s: refused at its path", (_what, value, path, problem) => {
    const error = refusal(value);
    expect(error.code).toBe("INVALID_STATUS");
    expect(error.path).toBe(path);
    expect(error.details).toEqual({ path });
    expect(error.message.startsWith(`${path} `)).toBe(true);
    expect(error.message).toContain(problem);
  });
});

describe("parseProvisioningStatus keeps every valid field", () => {
  it("returns a status with every optional field as it was written", () => {
    const full = {
      jobs: [
        job({
          state: JobState.Failed,
          finishedAt: later,
          endedAfter: "provider",
          configVersion: "sha256:a",
          reason: "Timeout",
          errorDetails: "details",
          cancelRequestedAt: at,
          nextCheckAt: later,
          blockDeletionOnFailure: true,
          awaitingEnd: false,
          progress: 37.5,
          statusError: failureRecord,
        }),
        job({
          jobId: "job:2",
          type: "deprovision",
          blockDeletionOnFailure: false,
          awaitingEnd: true,
          progress: 0,
        }),
      ],
      desiredConfigVersion: "sha256:b",
      reconciledConfigVersion: "sha256:a",
      deprovisionWaitUntil: later,
      pendingLaunch: {
        ...pendingMarker,
        configVersion: "sha256:b",
        lookupAfter: later,
        requestEndedAt: at,
        lookups: 3,
      },
      launchFailure: { ...failureRecord, type: "deprovision", configVersion: "sha256:b" },
      deprovisionSkipped,
      conditions: [{ ...readyCondition, observedGeneration: 4 }],
    };
    expect(parseProvisioningStatus(structuredClone(full))).toStrictEqual(full);
  });

  it("adds no field that was not there", () => {
    const minimal = { jobs: [minimalJob], conditions: [] };
    const parsed = parseProvisioningStatus(structuredClone(minimal));
    expect(parsed).toStrictEqual(minimal);
    expect(Object.keys(parsed.jobs[0]!).sort()).toEqual(Object.keys(minimalJob).sort());
    const marker = parseProvisioningStatus({ jobs: [], pendingLaunch: pendingMarker });
    expect(marker.pendingLaunch).toStrictEqual(pendingMarker);
    const failed = parseProvisioningStatus({
      jobs: [],
      launchFailure: { ...failureRecord, type: "provision" },
    });
    expect(failed.launchFailure).toStrictEqual({ ...failureRecord, type: "provision" });
  });

  it.each([0, 0.5, 50, 100])("accepts progress %d", (progress) => {
    expect(parseProvisioningStatus({ jobs: [job({ progress })] }).jobs[0]!.progress).toBe(progress);
  });

  it("accepts lookups 0 on the pending-launch marker", () => {
    const parsed = parseProvisioningStatus({
      jobs: [],
      pendingLaunch: { ...pendingMarker, lookups: 0 },
    });
    expect(parsed.pendingLaunch?.lookups).toBe(0);
  });

  it("keeps a provision and a deprovision job with the same id", () => {
    const jobs = [job(), job({ type: "deprovision" })];
    expect(parseProvisioningStatus({ jobs }).jobs).toEqual(jobs);
  });

  it("reads a null or absent marker, launch failure and skipped deprovision as none, and absent conditions as none", () => {
    for (const value of [null, undefined]) {
      const parsed = parseProvisioningStatus({
        jobs: [],
        pendingLaunch: value,
        launchFailure: value,
        deprovisionSkipped: value,
      });
      expect(parsed).toStrictEqual({ jobs: [], conditions: [] });
    }
  });
});

describe("parseProvisioningStatus drops a malformed condition and keeps a valid one", () => {
  it("drops each condition with one field wrong, and every entry that is not an object", () => {
    const unknown = { ...readyCondition, type: "LaunchOutcomeUnknown", status: "Unknown" };
    const falseOne = { ...readyCondition, type: "Deleting", status: "False" };
    const parsed = parseProvisioningStatus({
      jobs: [],
      conditions: [
        { ...readyCondition, type: 5 },
        { ...readyCondition, status: "Maybe" },
        { ...readyCondition, status: "" },
        { ...readyCondition, reason: undefined },
        { ...readyCondition, message: 7 },
        { ...readyCondition, lastTransitionTime: null },
        undefined,
        null,
        "Ready",
        5,
        [],
        readyCondition,
        unknown,
        falseOne,
      ],
    });
    expect(parsed.conditions).toStrictEqual([readyCondition, unknown, falseOne]);
  });

  it("keeps an integer observedGeneration and drops any other", () => {
    const parsed = parseProvisioningStatus({
      jobs: [],
      conditions: [
        { ...readyCondition, observedGeneration: 3 },
        { ...readyCondition, observedGeneration: 0 },
        { ...readyCondition, observedGeneration: 1.5 },
        { ...readyCondition, observedGeneration: "3" },
      ],
    });
    expect(parsed.conditions).toStrictEqual([
      { ...readyCondition, observedGeneration: 3 },
      { ...readyCondition, observedGeneration: 0 },
      readyCondition,
      readyCondition,
    ]);
  });
});

describe("boundStatus", () => {
  it("keeps when the deprovision was skipped and clips only its reason", () => {
    const status: ProvisioningStatus = {
      jobs: [],
      conditions: [],
      deprovisionSkipped: { reason: "r".repeat(MAX_STATUS_MESSAGE_CHARS * 2), at },
    };
    const bounded = boundStatus(status).deprovisionSkipped!;
    expect(bounded.at).toBe(at);
    expect(bounded.reason.length).toBe(MAX_STATUS_MESSAGE_CHARS);
    expect(bounded.reason).toMatch(/^r+ … \[\d+ characters cut\] … r+$/);
    const short = { reason: "short", at };
    expect(boundStatus({ ...status, deprovisionSkipped: short }).deprovisionSkipped).toEqual(short);
  });
});
