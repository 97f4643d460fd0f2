import { describe, expect, it } from "vitest";
import {
  ContractViolationError,
  MAX_RETRY_AFTER_MS,
  checkDeprovisionResult,
  checkFoundJob,
  checkProvisionResult,
  checkProvisionStatus,
  type ProvisionStatus,
} from "@provisionkit/core";
import { thrown } from "./support/fixtures.js";

/** The ContractViolationError thrown by `check(value)` (fails the test when nothing is thrown). */
function violation(check: (value: unknown) => unknown, value: unknown): ContractViolationError {
  return thrown(() => check(value), ContractViolationError);
}

/**
 * `check(value)` throws a violation of `rule` whose message starts with `rule: field` (the
 * field followed by a space or a dot), marked `outcomeUnknown` as given.
 */
function expectViolation(
  check: (value: unknown) => unknown,
  value: unknown,
  expected: { rule: string; field: string; outcomeUnknown: boolean },
): void {
  const err = violation(check, value);
  expect(err.rule).toBe(expected.rule);
  expect(err.message).toMatch(new RegExp(`^${expected.rule}: ${expected.field}[ .]`));
  expect(err.outcomeUnknown).toBe(expected.outcomeUnknown);
}

const status = { jobId: "7", state: "Running", message: "running" };

describe("checkProvisionResult", () => {
  it("accepts a valid result, defaulting a missing message to empty", () => {
    const full = { jobId: "7", initialState: "Pending", message: "launched" };
    expect(checkProvisionResult(full)).toEqual(full);
    expect(checkProvisionResult({ jobId: "7", initialState: "Pending" })).toEqual({
      jobId: "7",
      initialState: "Pending",
      message: "",
    });
  });

  it.each<[string, unknown, string, string]>([
    ["empty jobId", { jobId: "", initialState: "Pending" }, "P2", "ProvisionResult.jobId"],
    ["numeric jobId", { jobId: 7, initialState: "Pending" }, "P2", "ProvisionResult.jobId"],
    ["bad state", { jobId: "7", initialState: "Done" }, "P3", "ProvisionResult.initialState"],
    ["missing state", { jobId: "7" }, "P3", "ProvisionResult.initialState"],
    [
      "bad message",
      { jobId: "7", initialState: "Pending", message: 1 },
      "P3",
      "ProvisionResult.message",
    ],
    ["null", null, "P3", "ProvisionResult"],
    ["a string", "7", "P3", "ProvisionResult"],
  ])("rejects %s", (_label, value, rule, field) => {
    // A malformed launch answer does not prove that no job was created.
    expectViolation(checkProvisionResult, value, { rule, field, outcomeUnknown: true });
  });
});

describe("checkProvisionStatus", () => {
  it("accepts a minimal and a full status", () => {
    expect(checkProvisionStatus({ jobId: "7", state: "Unknown" })).toEqual({
      jobId: "7",
      state: "Unknown",
      message: "",
    });
    const full: ProvisionStatus = {
      ...status,
      state: "Succeeded",
      progress: 100,
      startTime: "2024-01-01T00:00:00Z",
      endTime: "2024-01-01T00:01:00Z",
      reconciledVersion: "sha256:abc",
      errorDetails: "none",
    };
    expect(checkProvisionStatus(full)).toEqual(full);
  });

  it.each<[string, unknown, string, string]>([
    ["empty jobId", { ...status, jobId: "" }, "P2", "ProvisionStatus.jobId"],
    ["bad state", { ...status, state: "running" }, "P3", "ProvisionStatus.state"],
    ["non-string message", { ...status, message: {} }, "P3", "ProvisionStatus.message"],
    [
      "non-string reconciledVersion",
      { ...status, reconciledVersion: 1 },
      "P3",
      "ProvisionStatus.reconciledVersion",
    ],
    ["non-string startTime", { ...status, startTime: 0 }, "P3", "ProvisionStatus.startTime"],
    ["non-string endTime", { ...status, endTime: 0 }, "P3", "ProvisionStatus.endTime"],
    [
      "non-string errorDetails",
      { ...status, errorDetails: [] },
      "P3",
      "ProvisionStatus.errorDetails",
    ],
    ["non-number progress", { ...status, progress: "50%" }, "P3", "ProvisionStatus.progress"],
    ["undefined", undefined, "P3", "ProvisionStatus"],
  ])("rejects %s", (_label, value, rule, field) => {
    expectViolation(checkProvisionStatus, value, { rule, field, outcomeUnknown: false });
  });

  it("names the field with the caller's label", () => {
    const err = violation((v) => checkProvisionStatus(v, "FoundJob"), { ...status, state: 1 });
    expect(err.message).toContain("FoundJob.state");
  });
});

describe("checkDeprovisionResult", () => {
  it("accepts each action", () => {
    expect(checkDeprovisionResult({ action: "skipped", reason: "nothing provisioned" })).toEqual({
      action: "skipped",
      reason: "nothing provisioned",
    });
    expect(
      checkDeprovisionResult({ action: "triggered", jobId: "9", blockDeletionOnFailure: true }),
    ).toEqual({ action: "triggered", jobId: "9", blockDeletionOnFailure: true });
    expect(
      checkDeprovisionResult({
        action: "waiting",
        blockDeletionOnFailure: false,
        provisionJobStatus: status,
        retryAfterMs: 0,
      }),
    ).toEqual({
      action: "waiting",
      blockDeletionOnFailure: false,
      provisionJobStatus: status,
      retryAfterMs: 0,
    });
  });

  it("clamps a waiting answer's retryAfterMs to MAX_RETRY_AFTER_MS (issue 16, item 4)", () => {
    const answer = { action: "waiting", blockDeletionOnFailure: true, retryAfterMs: 1e17 };
    expect(checkDeprovisionResult(answer)).toEqual({
      action: "waiting",
      blockDeletionOnFailure: true,
      retryAfterMs: MAX_RETRY_AFTER_MS,
    });
  });

  it.each<[string, unknown, string, string]>([
    ["skipped without reason", { action: "skipped" }, "P6", "reason"],
    [
      "triggered without blockDeletionOnFailure",
      { action: "triggered", jobId: "9" },
      "P7",
      "blockDeletionOnFailure",
    ],
    [
      "waiting with a non-boolean blockDeletionOnFailure",
      { action: "waiting", blockDeletionOnFailure: "yes" },
      "P7",
      "blockDeletionOnFailure",
    ],
    [
      "triggered with an empty jobId",
      { action: "triggered", jobId: "", blockDeletionOnFailure: true },
      "P2",
      "DeprovisionResult.jobId",
    ],
    [
      "an unknown action",
      { action: "started", blockDeletionOnFailure: true },
      "P3",
      "DeprovisionResult.action",
    ],
    [
      "a negative retryAfterMs",
      { action: "waiting", blockDeletionOnFailure: true, retryAfterMs: -1 },
      "P3",
      "DeprovisionResult.retryAfterMs",
    ],
    [
      "a bad provisionJobStatus",
      {
        action: "waiting",
        blockDeletionOnFailure: true,
        provisionJobStatus: { ...status, state: "x" },
      },
      "P3",
      "DeprovisionResult.provisionJobStatus.state",
    ],
    ["a non-object", 42, "P3", "DeprovisionResult"],
  ])("rejects %s", (_label, value, rule, field) => {
    const err = violation(checkDeprovisionResult, value);
    expect(err.rule).toBe(rule);
    expect(err.message.startsWith(`${rule}: `)).toBe(true);
    expect(err.message.slice(rule.length + 2)).not.toMatch(/^P\d: /);
    expect(err.message).toContain(field);
    expect(err.outcomeUnknown).toBe(true);
  });
});

describe("answers are copied field by field", () => {
  it("drops fields outside the contract, so nothing extra reaches the status", () => {
    const out = checkProvisionStatus({ ...status, token: "s3cr3t", progress: 50 });
    expect(out).toEqual({ ...status, progress: 50 });
    expect(JSON.stringify(out)).not.toContain("s3cr3t");
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -5, 500])(
    "rejects progress %s (P3)",
    (progress) => {
      expect(violation(checkProvisionStatus, { ...status, progress }).message).toMatch(
        /^P3: .*progress/,
      );
    },
  );

  it("checks FoundJob.blockDeletionOnFailure, which decides whether a failure blocks deletion (P7)", () => {
    expect(checkFoundJob({ ...status, blockDeletionOnFailure: false })).toEqual({
      ...status,
      blockDeletionOnFailure: false,
    });
    expect(checkFoundJob(status)).toEqual(status);
    expect(violation(checkFoundJob, { ...status, blockDeletionOnFailure: "false" }).rule).toBe(
      "P7",
    );
  });

  it("rejects a skipped deprovision with an empty reason (P6)", () => {
    expect(violation(checkDeprovisionResult, { action: "skipped", reason: "  " }).rule).toBe("P6");
  });
});

describe("what a violation tells the provider's author", () => {
  it("says what was received instead of an object", () => {
    expect(violation(checkProvisionResult, null).message).toContain("got null");
    expect(violation(checkProvisionStatus, "7").message).toContain("got string");
  });

  it("refuses a job id longer than the bound, naming the bound and the length", () => {
    const err = violation(checkProvisionResult, {
      jobId: "x".repeat(257),
      initialState: "Pending",
    });
    expect(err.rule).toBe("P2");
    expect(err.message).toContain("ProvisionResult.jobId");
    expect(err.message).toContain("256");
    expect(err.message).toContain("got 257");
    expect(
      checkProvisionResult({ jobId: "x".repeat(256), initialState: "Pending" }).jobId,
    ).toHaveLength(256);
  });

  it("a progress out of range names the value; one of another type names the type", () => {
    expect(violation(checkProvisionStatus, { ...status, progress: 500 }).message).toContain(
      "got 500",
    );
    expect(violation(checkProvisionStatus, { ...status, progress: "50%" }).message).toContain(
      "got string",
    );
  });

  it("names FoundJob in the violations of a findJob answer", () => {
    expect(violation(checkFoundJob, { ...status, state: "done" }).message).toContain(
      "FoundJob.state",
    );
    expect(
      violation(checkFoundJob, { ...status, blockDeletionOnFailure: "false" }).message,
    ).toContain("FoundJob.blockDeletionOnFailure");
  });
});

describe("checkProvisionStatus: progress and other fields", () => {
  it("accepts a progress of 0 and of 100, the ends of its range", () => {
    expect(checkProvisionStatus({ ...status, progress: 0 }).progress).toBe(0);
    expect(checkProvisionStatus({ ...status, progress: 100 }).progress).toBe(100);
  });

  it("rejects a progress given as text, even one that reads as a number", () => {
    expect(violation(checkProvisionStatus, { ...status, progress: "50" }).rule).toBe("P3");
  });

  it("keeps a reconciled version longer than the errorDetails bound whole; only errorDetails is clipped", () => {
    const version = `sha256:${"a".repeat(9_000)}`;
    const out = checkProvisionStatus({
      ...status,
      reconciledVersion: version,
      errorDetails: "e".repeat(9_000),
    });
    expect(out.reconciledVersion).toBe(version);
    expect(out.errorDetails!.length).toBeLessThanOrEqual(8_000);
  });
});

describe("checkDeprovisionResult: retryAfterMs", () => {
  it("rejects an infinite retryAfterMs (P3), marked outcomeUnknown", () => {
    const err = violation(checkDeprovisionResult, {
      action: "waiting",
      blockDeletionOnFailure: true,
      retryAfterMs: Number.POSITIVE_INFINITY,
    });
    expect(err.rule).toBe("P3");
    expect(err.message).toContain("DeprovisionResult.retryAfterMs");
    expect(err.outcomeUnknown).toBe(true);
  });

  it("a waiting answer without retryAfterMs gets none (the engine's backoff applies)", () => {
    const out = checkDeprovisionResult({ action: "waiting", blockDeletionOnFailure: true });
    expect(out).toEqual({ action: "waiting", blockDeletionOnFailure: true });
  });
});

describe("launch answers: an error other than a violation", () => {
  it("is passed on as thrown, not turned into a violation", () => {
    const boom = new Error("provider getter broke");
    const answer = {
      jobId: "7",
      get initialState(): string {
        throw boom;
      },
    };
    let caught: unknown;
    try {
      checkProvisionResult(answer);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(boom);
  });
});
