import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  JobNotFoundError,
  JobOwnershipError,
  JobState,
  RateLimitError,
  TimeoutError,
  TransientError,
  latestJob,
  recordDeprovisionAnswer,
  recordJobStatus,
  recordLaunchError,
  recordLaunched,
  recordStatusError,
  resolveEngineOptions,
  type PendingLaunch,
  type ProvisionStatus,
} from "@provisionkit/core";
import { T0, V1, V2, iso, job, status } from "./support/fixtures.js";

const options = resolveEngineOptions({
  pollIntervalMs: 1_000,
  errorBackoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
});
const pending: PendingLaunch = {
  type: "provision",
  correlationId: "c1",
  provider: "memory",
  configVersion: V1,
  attempt: 2,
  createdAt: iso(T0),
};

/** The launch behind `pending` threw `error` (at T0, the marker persisted). */
function launchFailed(error: unknown) {
  return recordLaunchError(status({ pendingLaunch: pending }), pending, error, T0, options);
}

/** A status read of the provision job `job()` answered `answer` (at T0). */
function observed(answer: ProvisionStatus) {
  return recordJobStatus(status({ jobs: [job()] }), job(), answer, T0, options);
}

/** A status read of the provision job `job()` threw `error` (at T0). */
function readFailed(error: unknown) {
  return recordStatusError(status({ jobs: [job()] }), job(), error, T0, options);
}

describe("recordLaunched", () => {
  it("appends the job from the marker, clears marker and launch failure, schedules the first poll", () => {
    const s = status({
      pendingLaunch: pending,
      launchFailure: {
        type: "provision",
        configVersion: V1,
        code: "X",
        message: "m",
        count: 1,
        at: iso(T0),
        retryAt: iso(T0),
      },
    });
    const next = recordLaunched(
      s,
      pending,
      { jobId: "j7", state: JobState.Pending, message: "ok" },
      T0 + 50,
      options,
    );
    expect(next.pendingLaunch).toBeUndefined();
    expect(next.launchFailure).toBeUndefined();
    expect(next.jobs).toEqual([
      {
        jobId: "j7",
        type: "provision",
        state: JobState.Pending,
        message: "ok",
        provider: "memory",
        correlationId: "c1",
        launchedAt: iso(T0),
        updatedAt: iso(T0 + 50),
        nextCheckAt: iso(T0 + 1_050),
        attempt: 2,
        configVersion: V1,
      },
    ]);
  });

  it("defaults blockDeletionOnFailure to true for an adopted deprovision job that does not say", () => {
    const p: PendingLaunch = {
      type: "deprovision",
      correlationId: "c2",
      provider: "memory",
      attempt: 1,
      createdAt: iso(T0),
    };
    const next = recordLaunched(
      status(),
      p,
      { jobId: "d1", state: JobState.Running, message: "" },
      T0,
      options,
    );
    expect(latestJob(next.jobs, "deprovision")?.blockDeletionOnFailure).toBe(true);
  });
});

describe("recordLaunchError", () => {
  it("keeps the marker when the outcome is unknown (timeout after accept)", () => {
    const t = launchFailed(new TimeoutError("no answer", 30_000));
    expect(t.status.pendingLaunch).toEqual({ ...pending, requestEndedAt: iso(T0) });
    expect(t.status.launchFailure).toMatchObject({ code: ErrorCode.Timeout, count: 1 });
    expect(t.events[0]?.message).toMatch(/unknown outcome/);
  });

  it("keeps the marker for untyped errors, which may have landed", () => {
    const t = launchFailed(new Error("socket hang up"));
    expect(t.status.pendingLaunch).toBeDefined();
  });

  it("clears the marker for a definite failure and backs off by consecutive count", () => {
    const first = launchFailed(new TransientError("502"));
    expect(first.status.pendingLaunch).toBeUndefined();
    expect(first.status.launchFailure).toMatchObject({
      count: 1,
      retryAt: iso(T0 + 100),
      configVersion: V1,
    });
    const second = recordLaunchError(
      { ...first.status, pendingLaunch: pending },
      pending,
      new TransientError("502"),
      T0,
      options,
    );
    expect(second.status.launchFailure).toMatchObject({ count: 2, retryAt: iso(T0 + 200) });
    const otherVersion = { ...pending, configVersion: V2 };
    const reset = recordLaunchError(
      second.status,
      otherVersion,
      new TransientError("502"),
      T0,
      options,
    );
    expect(reset.status.launchFailure?.count).toBe(1);
  });

  it("retries a rate-limited launch after retryAfterMs", () => {
    const t = launchFailed(new RateLimitError("429", 7_000));
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.status.launchFailure).toMatchObject({
      code: ErrorCode.RateLimited,
      retryAt: iso(T0 + 7_000),
    });
    expect(t.events[0]?.reason).toBe("RateLimited");
  });
});

describe("recordJobStatus", () => {
  it("sets reconciled from the job's recorded version when the provider omits it", () => {
    const t = observed({ jobId: "j1", state: JobState.Succeeded, message: "done" });
    expect(t.status.reconciledConfigVersion).toBe(V1);
    expect(t.status.jobs[0]).toMatchObject({ state: JobState.Succeeded, finishedAt: iso(T0) });
    expect(t.events[0]).toMatchObject({ type: "Normal", reason: "ProvisionSucceeded" });
  });

  it("rejects a reported version that disagrees (P4) and never uses it", () => {
    const t = observed({
      jobId: "j1",
      state: JobState.Succeeded,
      message: "done",
      reconciledVersion: V2,
    });
    expect(t.status.reconciledConfigVersion).toBeUndefined();
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      reason: "ReconciledVersionMismatch",
    });
    expect(t.events[0]).toMatchObject({ type: "Warning", reason: "ReconciledVersionMismatch" });
    expect(t.events[0]?.message).toMatch(/P4/);
  });

  it("records progress, clears a status error and keeps polling a non-terminal job", () => {
    const failing = job({
      statusError: { code: "X", message: "m", count: 3, at: iso(T0), retryAt: iso(T0) },
    });
    const t = recordJobStatus(
      status({ jobs: [failing] }),
      failing,
      { jobId: "j1", state: JobState.Unknown, message: "?", progress: 40 },
      T0,
      options,
    );
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Unknown,
      progress: 40,
      nextCheckAt: iso(T0 + 1_000),
    });
    expect(t.status.jobs[0]?.statusError).toBeUndefined();
    expect(t.status.jobs[0]?.finishedAt).toBeUndefined();
  });

  it("treats a status for another job id as a failed read", () => {
    const t = observed({ jobId: "j2", state: JobState.Succeeded, message: "" });
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Running,
      statusError: { code: ErrorCode.ContractViolation },
    });
    expect(t.status.reconciledConfigVersion).toBeUndefined();
  });
});

describe("recordJobStatus on a timed-out job (awaitingEnd)", () => {
  const timedOut = job({
    state: JobState.Failed,
    reason: "Timeout",
    message: "timed out",
    awaitingEnd: true,
    finishedAt: iso(T0),
  });
  it("keeps it Failed(Timeout) and active while the backend still runs it", () => {
    const t = recordJobStatus(
      status({ jobs: [timedOut] }),
      timedOut,
      { jobId: "j1", state: JobState.Running, message: "still" },
      T0 + 5,
      options,
    );
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      reason: "Timeout",
      awaitingEnd: true,
      message: "timed out",
    });
    expect(t.events).toEqual([]);
  });
  it("takes the backend's real outcome when it ends, success included (E3)", () => {
    const t = recordJobStatus(
      status({ jobs: [timedOut] }),
      timedOut,
      { jobId: "j1", state: JobState.Succeeded, message: "done" },
      T0 + 5,
      options,
    );
    expect(t.status.jobs[0]).toMatchObject({ state: JobState.Succeeded, finishedAt: iso(T0 + 5) });
    expect(t.status.jobs[0]?.awaitingEnd).toBeUndefined();
    expect(t.status.jobs[0]?.reason).toBeUndefined();
    expect(t.status.reconciledConfigVersion).toBe(V1);
    expect(t.events[0]?.reason).toBe("ProvisionSucceeded");
  });
});

describe("recordStatusError", () => {
  it("keeps the job and its state, counts failures and backs off", () => {
    const first = readFailed(new Error("reset"));
    expect(first.status.jobs[0]).toMatchObject({
      state: JobState.Running,
      statusError: { count: 1 },
      nextCheckAt: iso(T0 + 100),
    });
    const again = recordStatusError(
      first.status,
      first.status.jobs[0]!,
      new Error("reset"),
      T0,
      options,
    );
    expect(again.status.jobs[0]).toMatchObject({
      statusError: { count: 2 },
      nextCheckAt: iso(T0 + 200),
    });
  });

  it("uses retryAfterMs for rate limits", () => {
    const t = readFailed(new RateLimitError("429", 9_000));
    expect(t.status.jobs[0]?.nextCheckAt).toBe(iso(T0 + 9_000));
    expect(t.events[0]?.reason).toBe("RateLimited");
  });

  it("marks a purged job Failed with reason JobNotFound", () => {
    const t = readFailed(new JobNotFoundError("j1"));
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      reason: "JobNotFound",
      finishedAt: iso(T0),
    });
  });

  it("E3: a provision job purged unseen makes the reconciled version unknown", () => {
    // V1 was applied by an earlier job; j2 applying V2 may have succeeded before its purge.
    const earlier = job({ state: JobState.Succeeded, finishedAt: iso(T0) });
    const purged = job({ jobId: "j2", configVersion: V2 });
    const s = status({ jobs: [earlier, purged], reconciledConfigVersion: V1 });
    const t = recordStatusError(s, purged, new JobNotFoundError("j2"), T0, options);
    expect(t.status.reconciledConfigVersion).toBeUndefined();
    // An older job purged behind a newer one changes nothing: the newer one decides.
    const older = recordStatusError(
      status({ jobs: [job({ jobId: "j0" }), earlier], reconciledConfigVersion: V1 }),
      job({ jobId: "j0" }),
      new JobNotFoundError("j0"),
      T0,
      options,
    );
    expect(older.status.reconciledConfigVersion).toBe(V1);
  });

  it("a job launched for another resource is marked JobNotOwned and never read again", () => {
    const t = readFailed(new JobOwnershipError("j1", "job j1 names resource uid u-2, not u-1"));
    expect(t.status.jobs[0]).toMatchObject({
      state: JobState.Failed,
      reason: "JobNotOwned",
      finishedAt: iso(T0),
    });
    expect(t.status.jobs[0]?.nextCheckAt).toBeUndefined();
    expect(t.status.jobs[0]?.message).toMatch(/u-2, not u-1/);
    expect(t.events).toEqual([expect.objectContaining({ type: "Warning", reason: "JobNotOwned" })]);
  });
});

describe("recordDeprovisionAnswer", () => {
  const dp: PendingLaunch = {
    type: "deprovision",
    correlationId: "c9",
    provider: "memory",
    attempt: 1,
    createdAt: iso(T0),
  };
  const base = status({ jobs: [job()], pendingLaunch: dp });

  it("waiting: records the provision job's status, notes the cancel request, and schedules the next ask", () => {
    const t = recordDeprovisionAnswer(
      base,
      dp,
      {
        action: "waiting",
        blockDeletionOnFailure: true,
        provisionJobStatus: { jobId: "j1", state: JobState.Running, message: "canceling" },
        retryAfterMs: 2_000,
      },
      T0,
      options,
    );
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.status.deprovisionWaitUntil).toBe(iso(T0 + 2_000));
    expect(t.status.jobs[0]).toMatchObject({ message: "canceling", cancelRequestedAt: iso(T0) });
    expect(t.events.map((e) => e.reason)).toEqual(["DeprovisionWaiting"]);
    const again = recordDeprovisionAnswer(
      { ...t.status, pendingLaunch: dp },
      dp,
      { action: "waiting", blockDeletionOnFailure: true },
      T0 + 2_000,
      options,
    );
    expect(again.events).toEqual([]);
    expect(again.status.deprovisionWaitUntil).toBe(iso(T0 + 3_000));
  });

  it("triggered: records the deprovision job with its blockDeletionOnFailure", () => {
    const t = recordDeprovisionAnswer(
      base,
      dp,
      {
        action: "triggered",
        jobId: "d1",
        blockDeletionOnFailure: false,
        provisionJobStatus: { jobId: "j1", state: JobState.Canceled, message: "" },
      },
      T0,
      options,
    );
    expect(t.status.jobs.map((j) => [j.type, j.jobId, j.state])).toEqual([
      ["provision", "j1", JobState.Canceled],
      ["deprovision", "d1", JobState.Pending],
    ]);
    expect(latestJob(t.status.jobs, "deprovision")?.blockDeletionOnFailure).toBe(false);
    expect(t.status.pendingLaunch).toBeUndefined();
  });

  it("skipped: records it for the finalizer release", () => {
    const t = recordDeprovisionAnswer(
      base,
      dp,
      { action: "skipped", reason: "nothing there" },
      T0,
      options,
    );
    expect(t.status.deprovisionSkipped).toEqual({ reason: "nothing there", at: iso(T0) });
    expect(t.status.pendingLaunch).toBeUndefined();
  });
});
