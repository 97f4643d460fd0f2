import { describe, expect, it } from "vitest";
import {
  ConditionType,
  DEFAULT_ENGINE_OPTIONS,
  JobState,
  decide,
  latestJob,
} from "@provisionkit/core";
import {
  T0,
  V1,
  V2,
  caps,
  directory,
  input,
  iso,
  job,
  status,
  cond,
  pending,
} from "./support/fixtures.js";

describe("decide: provisioning", () => {
  it("launches attempt 1 with a fresh pending marker, persisted first, for a new resource", () => {
    const d = decide(input());
    expect(d.action).toEqual({
      kind: "launch",
      type: "provision",
      pending: pending({ correlationId: "corr-1" }),
    });
    expect(d.persistFirst).toBe(true);
    expect(d.finalizer).toBe("ensure");
    expect(d.status.pendingLaunch?.correlationId).toBe("corr-1");
    expect(d.status.desiredConfigVersion).toBe(V1);
    expect(cond(d, ConditionType.Provisioned)).toMatchObject({
      status: "False",
      reason: "Launching",
      observedGeneration: 3,
    });
  });

  it("does nothing when desired == reconciled, and is Ready", () => {
    const d = decide(
      input({
        status: status({ reconciledConfigVersion: V1, jobs: [job({ state: JobState.Succeeded })] }),
      }),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.requeueAfterMs).toBeUndefined();
    expect(d.persistFirst).toBe(false);
    expect(cond(d, ConditionType.Ready)).toMatchObject({ status: "True", reason: "Reconciled" });
    expect(cond(d, ConditionType.Provisioned)?.status).toBe("True");
  });

  it("launches when the config changed after a success", () => {
    const s = status({ reconciledConfigVersion: V1, jobs: [job({ state: JobState.Succeeded })] });
    const d = decide(input({ status: s, desiredConfigVersion: V2 }));
    expect(d.action).toMatchObject({ kind: "launch", pending: { configVersion: V2, attempt: 1 } });
    expect(cond(d, ConditionType.Ready)?.status).toBe("False");
  });

  it("sets reconciled from the latest succeeded provision job when it is missing (E3)", () => {
    const d = decide(input({ status: status({ jobs: [job({ state: JobState.Succeeded })] }) }));
    expect(d.action.kind).toBe("none");
    expect(d.status.reconciledConfigVersion).toBe(V1);
  });

  it("retries a failed version only after the backoff, with the attempt counted (E2)", () => {
    const failedAt = T0 + 60_000;
    const s = status({
      jobs: [job({ state: JobState.Failed, finishedAt: iso(failedAt), attempt: 2 })],
    });
    const backoff = { initialMs: 1_000, factor: 3, maxMs: 100_000 };
    const early = decide(
      input({ status: s, now: failedAt + 2_999, options: { provisionBackoff: backoff } }),
    );
    expect(early.action.kind).toBe("none");
    expect(early.requeueAfterMs).toBe(1);
    expect(cond(early, ConditionType.Provisioned)).toMatchObject({ reason: "ProvisionFailed" });
    const due = decide(
      input({ status: s, now: failedAt + 3_000, options: { provisionBackoff: backoff } }),
    );
    expect(due.action).toMatchObject({
      kind: "launch",
      pending: { attempt: 3, configVersion: V1 },
    });
  });

  it("caps the provision backoff", () => {
    const s = status({ jobs: [job({ state: JobState.Failed, finishedAt: iso(T0), attempt: 40 })] });
    const d = decide(
      input({
        status: s,
        now: T0,
        options: { provisionBackoff: { initialMs: 1_000, factor: 2, maxMs: 7_000 } },
      }),
    );
    expect(d.requeueAfterMs).toBe(7_000);
  });

  it("launches at once when the failed job was for another version", () => {
    const s = status({ jobs: [job({ state: JobState.Failed, finishedAt: iso(T0), attempt: 5 })] });
    const d = decide(input({ status: s, desiredConfigVersion: V2 }));
    expect(d.action).toMatchObject({ kind: "launch", pending: { attempt: 1, configVersion: V2 } });
  });

  it("treats a canceled job of the desired version as a failure to retry with backoff", () => {
    const s = status({ jobs: [job({ state: JobState.Canceled, finishedAt: iso(T0) })] });
    expect(decide(input({ status: s })).action.kind).toBe("none");
    expect(
      decide(input({ status: s, now: T0 + DEFAULT_ENGINE_OPTIONS.provisionBackoff.initialMs }))
        .action.kind,
    ).toBe("launch");
  });

  it("waits for a launch failure's retryAt before launching again", () => {
    const launchFailure = {
      type: "provision" as const,
      configVersion: V1,
      code: "TRANSIENT",
      message: "502",
      count: 2,
      at: iso(T0),
      retryAt: iso(T0 + 10_000),
    };
    const waiting = decide(input({ status: status({ launchFailure }), now: T0 + 4_000 }));
    expect(waiting.action.kind).toBe("none");
    expect(waiting.requeueAfterMs).toBe(6_000);
    expect(cond(waiting, ConditionType.Provisioned)).toMatchObject({ reason: "LaunchFailed" });
    expect(decide(input({ status: status({ launchFailure }), now: T0 + 10_000 })).action.kind).toBe(
      "launch",
    );
    // a failure for another version does not hold back the new one
    expect(
      decide(input({ status: status({ launchFailure }), desiredConfigVersion: V2 })).action.kind,
    ).toBe("launch");
  });
});

describe("decide: a running job blocks launches (E1)", () => {
  it("polls when the check is due and otherwise waits until it is", () => {
    const running = job({ nextCheckAt: iso(T0 + 5_000) });
    const early = decide(input({ status: status({ jobs: [running] }) }));
    expect(early.action.kind).toBe("none");
    expect(early.requeueAfterMs).toBe(5_000);
    const due = decide(input({ status: status({ jobs: [running] }), now: T0 + 5_000 }));
    expect(due.action).toEqual({ kind: "poll", job: running });
  });

  it("on a spec change waits for the running job by default", () => {
    const d = decide(input({ status: status({ jobs: [job()] }), desiredConfigVersion: V2 }));
    expect(d.action.kind).toBe("poll");
    expect(cond(d, ConditionType.Provisioned)?.message).toMatch(/older config/);
  });

  it("on a spec change cancels the running job once with the cancel policy", () => {
    const options = { onSpecChangeWhileRunning: "cancel" as const };
    const d = decide(
      input({ status: status({ jobs: [job()] }), desiredConfigVersion: V2, options }),
    );
    expect(d.action).toMatchObject({ kind: "cancel", reason: "spec-change", job: { jobId: "j1" } });
    const after = decide(
      input({
        status: status({ jobs: [job({ cancelRequestedAt: iso(T0) })] }),
        desiredConfigVersion: V2,
        options,
      }),
    );
    expect(after.action.kind).toBe("poll");
  });

  it("polls instead of canceling when the provider cannot cancel", () => {
    const d = decide(
      input({
        status: status({ jobs: [job()] }),
        desiredConfigVersion: V2,
        providers: directory(caps("memory", true, false)),
        options: { onSpecChangeWhileRunning: "cancel" },
      }),
    );
    expect(d.action.kind).toBe("poll");
  });

  it("polls a job through the provider that launched it, and reports one that is missing (E6)", () => {
    const other = job({ provider: "old" });
    const d = decide(
      input({ status: status({ jobs: [other] }), providers: directory(caps("new"), caps("old")) }),
    );
    expect(d.action).toEqual({ kind: "poll", job: other });
    const missing = decide(
      input({ status: status({ jobs: [other] }), providers: directory(caps("new")) }),
    );
    expect(missing.action.kind).toBe("none");
    expect(missing.events[0]).toMatchObject({ type: "Warning", reason: "ProviderUnavailable" });
    expect(missing.requeueAfterMs).toBe(DEFAULT_ENGINE_OPTIONS.pollIntervalMs);
  });

  it("never launches a provision while a deprovision job runs", () => {
    const d = decide(
      input({
        status: status({ jobs: [job({ jobId: "d1", type: "deprovision" })] }),
        desiredConfigVersion: V2,
      }),
    );
    expect(d.action.kind).toBe("poll");
  });
});

describe("decide: job timeout (P3)", () => {
  const options = { jobTimeoutMs: 60_000 };
  const readAfterDeadline = () => job({ updatedAt: iso(T0 + 60_000) });

  it("reads an overdue job once more before giving up on it: it may have ended", () => {
    const d = decide(input({ status: status({ jobs: [job()] }), now: T0 + 90_000, options }));
    expect(d.action).toMatchObject({ kind: "poll", job: { jobId: "j1" } });
    expect(d.status.jobs[0]?.state).toBe(JobState.Running);
  });

  it("a failed read after the deadline counts as a read", () => {
    const failing = job({
      statusError: {
        code: "X",
        message: "m",
        count: 1,
        at: iso(T0 + 61_000),
        retryAt: iso(T0 + 70_000),
      },
    });
    const d = decide(input({ status: status({ jobs: [failing] }), now: T0 + 61_000, options }));
    expect(d.action).toMatchObject({ kind: "cancel", reason: "timeout" });
  });

  it("marks a job read running after its deadline Failed(Timeout), cancels it, and keeps it active", () => {
    const d = decide(
      input({ status: status({ jobs: [readAfterDeadline()] }), now: T0 + 60_000, options }),
    );
    expect(d.action).toMatchObject({ kind: "cancel", reason: "timeout" });
    expect(latestJob(d.status.jobs, "provision")).toMatchObject({
      state: JobState.Failed,
      reason: "Timeout",
      awaitingEnd: true,
      finishedAt: iso(T0 + 60_000),
    });
    expect(d.events[0]).toMatchObject({ reason: "JobTimedOut" });
    // Still active (E1): no launch, even for a new config, until the backend reports an end.
    const next = decide(
      input({ status: d.status, now: T0 + 61_000, options, desiredConfigVersion: V2 }),
    );
    expect(next.action).toMatchObject({ kind: "poll", job: { jobId: "j1" } });
    const deleting = decide(
      input({
        status: { ...d.status, jobs: [{ ...d.status.jobs[0]!, nextCheckAt: iso(T0 + 70_000) }] },
        now: T0 + 61_000,
        options,
        deleting: true,
        providers: directory(caps("memory", true, false)),
      }),
    );
    expect(deleting.finalizer).toBe("keep");
  });

  it("without cancel, marks it and asks to decide again at once", () => {
    const d = decide(
      input({
        status: status({ jobs: [readAfterDeadline()] }),
        now: T0 + 60_000,
        options,
        providers: directory(caps("memory", true, false)),
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(0);
    expect(latestJob(d.status.jobs, "provision")).toMatchObject({
      reason: "Timeout",
      awaitingEnd: true,
    });
  });

  it("never sleeps past the timeout, and never spins after it", () => {
    const d = decide(
      input({
        status: status({ jobs: [job({ nextCheckAt: iso(T0 + 100_000) })] }),
        now: T0 + 50_000,
        options,
      }),
    );
    expect(d.requeueAfterMs).toBe(10_000);
    const timedOut = job({
      state: JobState.Failed,
      awaitingEnd: true,
      reason: "Timeout",
      nextCheckAt: iso(T0 + 100_000),
    });
    const after = decide(
      input({ status: status({ jobs: [timedOut] }), now: T0 + 90_000, options }),
    );
    expect(after.requeueAfterMs).toBe(10_000);
  });
});
