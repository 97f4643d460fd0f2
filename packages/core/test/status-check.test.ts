import { describe, expect, it } from "vitest";
import {
  InvalidStatusError,
  JobState,
  parseProvisioningStatus,
  reconcile,
  type JobRecord,
  type Provider,
  type ProvisioningStatus,
  type ResourceObject,
} from "@provisionkit/core";

// Issue 16 item 3: what the engine does with a status edited by hand
// (docs/kubernetes-runtime.md, "Invalid objects and hand-edited status").

const at = "2026-01-01T00:00:00.000Z";
const record: JobRecord = {
  jobId: "job:1",
  type: "provision",
  state: JobState.Succeeded,
  message: "done",
  provider: "p",
  correlationId: "c1",
  launchedAt: at,
  updatedAt: at,
  attempt: 1,
  configVersion: "sha256:a",
};
const valid = (): Record<string, unknown> => ({
  jobs: [{ ...record }],
  desiredConfigVersion: "sha256:a",
  reconciledConfigVersion: "sha256:a",
  conditions: [],
});

function refusal(value: unknown): { path: string; message: string } {
  try {
    parseProvisioningStatus(value, "status.provisioning");
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidStatusError);
    const e = error as InvalidStatusError;
    expect(e).toMatchObject({ code: "INVALID_STATUS", retryable: false });
    return { path: e.path, message: e.message };
  }
  throw new Error("accepted");
}

describe("parseProvisioningStatus: a status edited by hand", () => {
  it("accepts what the engine writes, unchanged", () => {
    expect(parseProvisioningStatus(valid())).toEqual(valid());
  });

  it.each([
    ["not an object", 7, "status.provisioning"],
    ["jobs missing", { conditions: [] }, "status.provisioning.jobs"],
    ["jobs not a list", { jobs: { 0: record } }, "status.provisioning.jobs"],
    ["a null job entry", { jobs: [record, null] }, "status.provisioning.jobs[1]"],
    ["a job that is a string", { jobs: ["job:1"] }, "status.provisioning.jobs[0]"],
    [
      "a job without jobId",
      { jobs: [{ ...record, jobId: undefined }] },
      "status.provisioning.jobs[0].jobId",
    ],
    ["an empty jobId", { jobs: [{ ...record, jobId: "" }] }, "status.provisioning.jobs[0].jobId"],
    ["a numeric jobId", { jobs: [{ ...record, jobId: 1 }] }, "status.provisioning.jobs[0].jobId"],
    [
      "an unknown state",
      { jobs: [{ ...record, state: "Done" }] },
      "status.provisioning.jobs[0].state",
    ],
    [
      "an unknown type",
      { jobs: [{ ...record, type: "both" }] },
      "status.provisioning.jobs[0].type",
    ],
    [
      "no provider",
      { jobs: [{ ...record, provider: undefined }] },
      "status.provisioning.jobs[0].provider",
    ],
    [
      "attempt as a string",
      { jobs: [{ ...record, attempt: "1" }] },
      "status.provisioning.jobs[0].attempt",
    ],
    [
      "a boolean as a string",
      { jobs: [{ ...record, awaitingEnd: "yes" }] },
      "status.provisioning.jobs[0].awaitingEnd",
    ],
    [
      "progress over 100",
      { jobs: [{ ...record, progress: 101 }] },
      "status.provisioning.jobs[0].progress",
    ],
    [
      "a null statusError",
      { jobs: [{ ...record, statusError: null }] },
      "status.provisioning.jobs[0].statusError",
    ],
    ["the same job twice", { jobs: [record, record] }, "status.provisioning.jobs[1].jobId"],
    [
      "a pending marker without correlation id",
      { jobs: [], pendingLaunch: { type: "provision", provider: "p", attempt: 1, createdAt: at } },
      "status.provisioning.pendingLaunch.correlationId",
    ],
    [
      "a version as a number",
      { jobs: [], reconciledConfigVersion: 5 },
      "status.provisioning.reconciledConfigVersion",
    ],
    [
      "a launch failure without code",
      { jobs: [], launchFailure: { type: "provision", message: "m", count: 1, at, retryAt: at } },
      "status.provisioning.launchFailure.code",
    ],
  ])("refuses %s, naming the field", (_what, value, path) => {
    const { path: named, message } = refusal(value);
    expect(named).toBe(path);
    expect(message.startsWith(`${path} `)).toBe(true);
  });

  it("shows at most 80 characters of a value in its message", () => {
    const { message } = refusal({ jobs: [{ ...record, state: "S".repeat(100_000) }] });
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(
      /^status\.provisioning\.jobs\[0\]\.state must be a job state, got "S+ … \[\d+ characters cut\] … S+"$/,
    );
  });

  it("drops unknown fields, and reads a missing message as empty and a missing updatedAt as launchedAt", () => {
    const edited = {
      ...valid(),
      note: "added by hand",
      jobs: [{ ...record, message: undefined, updatedAt: undefined, extra: { deep: [1] } }],
    };
    const parsed = parseProvisioningStatus(edited);
    expect(parsed).toEqual({
      ...valid(),
      jobs: [{ ...record, message: "", updatedAt: record.launchedAt }],
    });
    expect(parsed).not.toHaveProperty("note");
  });

  it("drops a malformed condition (conditions are recomputed) and reads a null marker as none", () => {
    const ready = {
      type: "Ready",
      status: "True",
      reason: "R",
      message: "",
      lastTransitionTime: at,
    };
    const parsed = parseProvisioningStatus({
      ...valid(),
      pendingLaunch: null,
      conditions: [null, { type: "Ready", status: "Maybe" }, ready],
    });
    expect(parsed.conditions).toEqual([ready]);
    expect(parsed).not.toHaveProperty("pendingLaunch");
  });
});

describe("reconcile refuses an invalid status before any provider call", () => {
  it.each([
    ["a null entry in jobs", [record, null], "status.jobs[1]"],
    ["an empty job record", [{}], "status.jobs[0].state"],
    // Before the check, the engine launched a second provision job beside this one.
    ["a record without type", [{ ...record, type: undefined }], "status.jobs[0].type"],
    // Before the check, the engine polled the provider about it.
    ["a record with an unknown state", [{ ...record, state: "Done" }], "status.jobs[0].state"],
  ])("%s: no provider call, nothing persisted, InvalidStatusError", async (_what, jobs, path) => {
    const calls: string[] = [];
    const provider: Provider = {
      name: "p",
      triggerProvision: () => {
        calls.push("triggerProvision");
        return Promise.resolve({ jobId: "job:2", initialState: JobState.Running, message: "" });
      },
      getProvisionStatus: () => {
        calls.push("getProvisionStatus");
        return Promise.reject(new Error("not expected"));
      },
      triggerDeprovision: () => {
        calls.push("triggerDeprovision");
        return Promise.reject(new Error("not expected"));
      },
      getDeprovisionStatus: () => {
        calls.push("getDeprovisionStatus");
        return Promise.reject(new Error("not expected"));
      },
    };
    const resource: ResourceObject = {
      metadata: { name: "r", namespace: "ns" },
      spec: { cores: 4 },
    };
    const persisted: ProvisioningStatus[] = [];
    const status = { ...valid(), jobs } as unknown as ProvisioningStatus;
    for (const deleting of [false, true]) {
      await expect(
        reconcile({
          resource,
          status,
          providers: provider,
          deleting,
          persist: (s) => {
            persisted.push(s);
            return Promise.resolve();
          },
        }),
      ).rejects.toThrow(expect.objectContaining({ name: "InvalidStatusError", path }));
    }
    expect(calls).toEqual([]);
    expect(persisted).toEqual([]);
  });
});
