/**
 * How a recorded job's record, events and the reconciled version change when a status read
 * answers or fails, when a job times out and when a cancel is asked for — the cases
 * transitions.test.ts does not pin down.
 */
import { describe, expect, it } from "vitest";
import {
  JobNotFoundError,
  JobOwnershipError,
  JobState,
  markTimedOut,
  recordCancelRequested,
  recordJobStatus,
  recordStatusError,
  resolveEngineOptions,
  type JobRecord,
  type ProvisionStatus,
} from "@provisionkit/core";
import { T0, V1, V2, iso, job, status } from "./support/fixtures.js";

const options = resolveEngineOptions({
  pollIntervalMs: 1_000,
  errorBackoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
});

const teardown = (over: Partial<JobRecord> = {}) =>
  job({
    type: "deprovision",
    jobId: "d1",
    correlationId: "c-d1",
    configVersion: undefined,
    blockDeletionOnFailure: true,
    ...over,
  });

/** `record` read at T0 + 5 (alone in the history unless `jobs` says otherwise) answered `answer`. */
function read(record: JobRecord, answer: Partial<ProvisionStatus>, jobs = [record]) {
  return recordJobStatus(
    status({ jobs }),
    record,
    { jobId: record.jobId, state: JobState.Running, message: "", ...answer },
    T0 + 5,
    options,
  );
}

describe("recordJobStatus: the end of a job", () => {
  it("announces a failed provision job as a Warning with the backend's message", () => {
    const t = read(job(), { state: JobState.Failed, message: "disk full" });
    expect(t.events).toEqual([
      expect.objectContaining({ type: "Warning", reason: "ProvisionFailed" }),
    ]);
    expect(t.events[0]?.message).toContain("j1");
    expect(t.events[0]?.message).toContain("disk full");
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      finishedAt: iso(T0 + 5),
      endedAfter: iso(T0),
    });
    expect(t.status.reconciledConfigVersion).toBeUndefined();
  });

  it("announces a canceled job as Canceled, and a deprovision job's end as Deprovision*", () => {
    expect(read(job(), { state: JobState.Canceled }).events[0]).toMatchObject({
      type: "Warning",
      reason: "ProvisionCanceled",
    });
    const ok = read(teardown(), { state: JobState.Succeeded });
    expect(ok.events[0]).toMatchObject({ type: "Normal", reason: "DeprovisionSucceeded" });
    expect(ok.events[0]?.message).toContain("d1");
  });

  it("does not announce or re-stamp a job already seen to end", () => {
    const ended = job({ state: JobState.Succeeded, finishedAt: iso(T0), updatedAt: iso(T0) });
    const t = read(ended, { state: JobState.Succeeded, message: "done" });
    expect(t.events).toEqual([]);
    expect(t.status.jobs[0]?.finishedAt).toBe(iso(T0));
    expect(t.status.jobs[0]?.endedAfter).toBeUndefined();
  });

  it("records the backend's error details on the job", () => {
    const t = read(job(), { state: JobState.Failed, errorDetails: "task create-vm: rc=2" });
    expect(t.status.jobs[0]?.errorDetails).toBe("task create-vm: rc=2");
  });
});

describe("recordJobStatus: what a read does not report is kept", () => {
  it("keeps the last progress and error details when a later read reports none", () => {
    const reported = job({ progress: 40, errorDetails: "retrying task 3" });
    const t = read(reported, { state: JobState.Running, message: "still" });
    expect(t.status.jobs[0]).toMatchObject({ progress: 40, errorDetails: "retrying task 3" });
  });

  it("names both job ids when the provider answers about another job (P3)", () => {
    const t = read(job(), { jobId: "j2", state: JobState.Succeeded });
    const error = t.status.jobs[0]?.statusError;
    expect(error?.message).toMatch(/^P3/);
    expect(error?.message).toContain("j2");
    expect(error?.message).toContain("j1");
  });
});

describe("recordJobStatus: the reconciled version (E3, P4)", () => {
  it("checks a reported version against a provision job only: a deprovision's is ignored", () => {
    const t = read(teardown(), { state: JobState.Succeeded, reconciledVersion: V2 }, [
      job({ state: JobState.Succeeded, finishedAt: iso(T0) }),
      teardown(),
    ]);
    const d = t.status.jobs.find((j) => j.type === "deprovision");
    expect(d).toMatchObject({ state: JobState.Succeeded });
    expect(d?.reason).toBeUndefined();
    expect(t.events.map((e) => e.reason)).toEqual(["DeprovisionSucceeded"]);
    expect(t.status.reconciledConfigVersion).toBeUndefined();
  });

  it("says which version the job was launched with and which one the provider reported", () => {
    const t = read(job(), { state: JobState.Succeeded, reconciledVersion: V2 });
    expect(t.status.jobs[0]?.reason).toBe("ReconciledVersionMismatch");
    expect(t.status.jobs[0]?.message).toContain(V1);
    expect(t.status.jobs[0]?.message).toContain(V2);
  });

  it("does not call a failed job's reported version a mismatch", () => {
    const t = read(job(), { state: JobState.Failed, message: "broke", reconciledVersion: V2 });
    expect(t.status.jobs[0]).toMatchObject({ state: JobState.Failed, message: "broke" });
    expect(t.status.jobs[0]?.reason).toBeUndefined();
    expect(t.events.map((e) => e.reason)).toEqual(["ProvisionFailed"]);
  });

  it("accepts a reported version equal to the launched one", () => {
    const t = read(job(), { state: JobState.Succeeded, reconciledVersion: V1 });
    expect(t.status.jobs[0]?.state).toBe(JobState.Succeeded);
    expect(t.status.reconciledConfigVersion).toBe(V1);
  });

  it("takes the version only from the latest provision job", () => {
    const older = job({ jobId: "j0", configVersion: V2, launchedAt: iso(T0 - 10_000) });
    const newer = job({ jobId: "j1", configVersion: V1 });
    const t = read(older, { state: JobState.Succeeded }, [older, newer]);
    expect(t.status.jobs.find((j) => j.jobId === "j0")?.state).toBe(JobState.Succeeded);
    expect(t.status.reconciledConfigVersion).toBeUndefined();
  });

  it("leaves the version alone for a provision job launched without one", () => {
    const s = status({ jobs: [job({ configVersion: undefined })], reconciledConfigVersion: V2 });
    const t = recordJobStatus(
      s,
      job({ configVersion: undefined }),
      { jobId: "j1", state: JobState.Succeeded, message: "" },
      T0,
      options,
    );
    expect(t.status.reconciledConfigVersion).toBe(V2);
    expect("reconciledConfigVersion" in t.status).toBe(true);
  });
});

describe("recordJobStatus: a timed-out job (awaitingEnd) seen to fail", () => {
  it("keeps its Timeout reason, stops awaiting the end and announces the failure", () => {
    const timedOut = job({
      state: JobState.Failed,
      reason: "Timeout",
      message: "timed out",
      awaitingEnd: true,
      finishedAt: iso(T0),
    });
    const t = read(timedOut, { state: JobState.Failed, message: "killed" });
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      reason: "Timeout",
      message: "killed",
      finishedAt: iso(T0 + 5),
    });
    expect(t.status.jobs[0]?.awaitingEnd).toBeUndefined();
    expect(t.events.map((e) => e.reason)).toEqual(["ProvisionFailed"]);
  });
});

describe("recordStatusError", () => {
  it("says which job failed to read, how many times in a row, and when it is read again", () => {
    const t = recordStatusError(
      status({ jobs: [job()] }),
      job({
        statusError: { code: "X", message: "m", count: 2, at: iso(T0), retryAt: iso(T0) },
      }),
      new Error("reset"),
      T0,
      options,
    );
    expect(t.events[0]).toMatchObject({ type: "Warning", reason: "StatusReadFailed" });
    expect(t.events[0]?.message).toContain("j1");
    expect(t.events[0]?.message).toContain("3 in a row");
    expect(t.events[0]?.message).toContain("reset");
    expect(t.events[0]?.message).toContain(iso(T0 + 400));
  });

  it("a purged deprovision job, or a provision job already ended, keeps the reconciled version", () => {
    const done = job({ state: JobState.Succeeded, finishedAt: iso(T0) });
    const gone = recordStatusError(
      status({ jobs: [done, teardown()], reconciledConfigVersion: V1 }),
      teardown(),
      new JobNotFoundError("d1"),
      T0,
      options,
    );
    expect(gone.status.reconciledConfigVersion).toBe(V1);
    expect(gone.status.jobs.find((j) => j.type === "deprovision")).toMatchObject({
      state: JobState.Failed,
      reason: "JobNotFound",
    });
    const ended = recordStatusError(
      status({ jobs: [done], reconciledConfigVersion: V1 }),
      done,
      new JobNotFoundError("j1"),
      T0,
      options,
    );
    expect(ended.status.reconciledConfigVersion).toBe(V1);
  });

  it("a purged deprovision job sharing the provision job's id keeps the reconciled version", () => {
    const done = job({ state: JobState.Succeeded, finishedAt: iso(T0) });
    const twin = teardown({ jobId: "j1" });
    const t = recordStatusError(
      status({ jobs: [done, twin], reconciledConfigVersion: V1 }),
      twin,
      new JobNotFoundError("j1"),
      T0,
      options,
    );
    expect(t.status.reconciledConfigVersion).toBe(V1);
  });

  it("a running provision job that turns out not to be ours keeps the reconciled version", () => {
    const t = recordStatusError(
      status({ jobs: [job()], reconciledConfigVersion: V1 }),
      job(),
      new JobOwnershipError("j1", "job j1 names another resource"),
      T0,
      options,
    );
    expect(t.status.jobs[0]?.reason).toBe("JobNotOwned");
    expect(t.status.reconciledConfigVersion).toBe(V1);
  });

  it("a purged job is no longer awaited or scheduled, and the purge is announced", () => {
    const awaited = job({
      state: JobState.Failed,
      reason: "Timeout",
      awaitingEnd: true,
      nextCheckAt: iso(T0),
    });
    const t = recordStatusError(
      status({ jobs: [awaited], reconciledConfigVersion: V2 }),
      awaited,
      new JobNotFoundError("j1"),
      T0,
      options,
    );
    expect(t.status.jobs[0]?.awaitingEnd).toBeUndefined();
    expect(t.status.jobs[0]?.nextCheckAt).toBeUndefined();
    expect(t.status.reconciledConfigVersion).toBeUndefined();
    expect(t.events[0]).toMatchObject({ type: "Warning", reason: "JobNotFound" });
    expect(t.events[0]?.message).toContain("j1");
  });
});

describe("markTimedOut", () => {
  it("marks the job Failed(Timeout), still awaited and checked now, and announces it", () => {
    const t = markTimedOut(status({ jobs: [job()] }), job(), T0 + 90_000, 60_000);
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      reason: "Timeout",
      awaitingEnd: true,
      nextCheckAt: iso(T0 + 90_000),
      finishedAt: iso(T0 + 90_000),
    });
    expect(t.events[0]).toMatchObject({ type: "Warning", reason: "JobTimedOut" });
    expect(t.events[0]?.message).toContain("j1");
    expect(t.events[0]?.message).toContain("60000 ms");
  });
});

describe("recordCancelRequested", () => {
  it("reads a running job again at once, but does not schedule a read of an ended one", () => {
    const running = recordCancelRequested(status({ jobs: [job()] }), job(), T0 + 7);
    expect(running.jobs[0]).toMatchObject({
      cancelRequestedAt: iso(T0 + 7),
      nextCheckAt: iso(T0 + 7),
    });
    const ended = job({ state: JobState.Failed, reason: "Timeout", awaitingEnd: true });
    const t = recordCancelRequested(status({ jobs: [ended] }), ended, T0 + 7);
    expect(t.jobs[0]?.cancelRequestedAt).toBe(iso(T0 + 7));
    expect(t.jobs[0]?.nextCheckAt).toBeUndefined();
  });
});
