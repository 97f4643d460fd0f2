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

describe("decide: a pending launch (E5)", () => {
  it("adopts through findJob at once, and waits for lookupAfter", () => {
    const p = pending();
    expect(decide(input({ status: status({ pendingLaunch: p }) })).action).toEqual({
      kind: "adopt",
      pending: p,
    });
    const later = pending({ lookupAfter: iso(T0 + 3_000) });
    const d = decide(input({ status: status({ pendingLaunch: later }) }));
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(3_000);
  });

  it("drops a stale marker whose job is already recorded", () => {
    const s = status({
      pendingLaunch: pending({ correlationId: "c-j1" }),
      jobs: [job({ state: JobState.Succeeded })],
      reconciledConfigVersion: V1,
    });
    const d = decide(input({ status: s }));
    expect(d.status.pendingLaunch).toBeUndefined();
    expect(d.action.kind).toBe("none");
  });

  it("without findJob, leaves the marker alone during the grace period", () => {
    const d = decide(
      input({
        status: status({ pendingLaunch: pending() }),
        now: T0 + 10_000,
        providers: directory(caps("memory", false)),
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(DEFAULT_ENGINE_OPTIONS.pendingLaunchGraceMs - 10_000);
    expect(d.status.pendingLaunch).toBeDefined();
  });

  it("without findJob, repairs a marker whose createdAt is not a past time, so it ages out", () => {
    for (const createdAt of ["not a time", "2999-01-01T00:00:00.000Z"]) {
      const d = decide(
        input({
          status: status({ pendingLaunch: pending({ createdAt }) }),
          now: T0,
          providers: directory(caps("memory", false)),
        }),
      );
      expect(d.status.pendingLaunch?.createdAt).toBe(iso(T0));
      expect(d.requeueAfterMs).toBe(DEFAULT_ENGINE_OPTIONS.pendingLaunchGraceMs);
      expect(d.events).toEqual([expect.objectContaining({ reason: "PendingLaunchRepaired" })]);
    }
  });

  it("without findJob and policy block, sets LaunchOutcomeUnknown once and launches nothing", () => {
    const providers = directory(caps("memory", false));
    const now = T0 + DEFAULT_ENGINE_OPTIONS.pendingLaunchGraceMs;
    const d = decide(input({ status: status({ pendingLaunch: pending() }), now, providers }));
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBeUndefined();
    const c = cond(d, ConditionType.LaunchOutcomeUnknown);
    expect(c).toMatchObject({ status: "True", reason: "NeedsResolution" });
    expect(c?.message).toMatch(/c-pending/);
    expect(d.events.map((e) => e.reason)).toEqual(["LaunchOutcomeUnknown"]);
    const again = decide(input({ status: d.status, now: now + 1_000, providers }));
    expect(again.events).toEqual([]);
    expect(cond(again, ConditionType.LaunchOutcomeUnknown)?.lastTransitionTime).toBe(
      c?.lastTransitionTime,
    );
  });

  it("treats a provider that is not configured like one without findJob", () => {
    const now = T0 + DEFAULT_ENGINE_OPTIONS.pendingLaunchGraceMs;
    const d = decide(
      input({ status: status({ pendingLaunch: pending({ provider: "gone" }) }), now }),
    );
    expect(cond(d, ConditionType.LaunchOutcomeUnknown)?.message).toMatch(/gone is not available/);
  });

  it("with policy relaunch, launches again with a Warning", () => {
    const now = T0 + DEFAULT_ENGINE_OPTIONS.pendingLaunchGraceMs;
    const d = decide(
      input({
        status: status({ pendingLaunch: pending() }),
        now,
        providers: directory(caps("memory", false)),
        options: { unknownLaunchPolicy: "relaunch" },
      }),
    );
    expect(d.action).toMatchObject({ kind: "launch", pending: { correlationId: "corr-1" } });
    expect(d.events[0]).toMatchObject({ type: "Warning", reason: "LaunchOutcomeUnknown" });
  });

  it("follows a human resolution: adopt the given job, or launch again", () => {
    const providers = directory(caps("memory", false));
    const s = status({ pendingLaunch: pending() });
    const adopt = decide(
      input({ status: s, providers, resolution: { correlationId: "c-pending", jobId: "j9" } }),
    );
    expect(adopt.status.pendingLaunch).toBeUndefined();
    expect(latestJob(adopt.status.jobs, "provision")).toMatchObject({
      jobId: "j9",
      correlationId: "c-pending",
      configVersion: V1,
    });
    expect(adopt.action).toMatchObject({ kind: "poll", job: { jobId: "j9" } });
    expect(adopt.events.map((e) => e.reason)).toContain("JobAdopted");
    expect(cond(adopt, ConditionType.LaunchOutcomeUnknown)).toBeUndefined();
    const relaunch = decide(
      input({ status: s, providers, resolution: { correlationId: "c-pending" } }),
    );
    expect(relaunch.action).toMatchObject({ kind: "launch", pending: { correlationId: "corr-1" } });
    expect(relaunch.events[0]).toMatchObject({ reason: "LaunchResolved" });
    const stale = decide(input({ status: s, providers, resolution: { correlationId: "other" } }));
    expect(stale.status.pendingLaunch?.correlationId).toBe("c-pending");
  });

  it("records the job from the launching controller's own resolution, and says so (not a human's, not a restart)", () => {
    const providers = directory(caps("memory", false));
    const s = status({ pendingLaunch: pending() });
    const own = decide(
      input({
        status: s,
        providers,
        resolution: { correlationId: "c-pending", jobId: "j9", source: "launcher" },
      }),
    );
    expect(own.status.pendingLaunch).toBeUndefined();
    expect(latestJob(own.status.jobs, "provision")).toMatchObject({
      jobId: "j9",
      correlationId: "c-pending",
    });
    expect(own.action).toMatchObject({ kind: "poll", job: { jobId: "j9" } });
    const adopted = own.events.find((e) => e.reason === "JobAdopted");
    expect(adopted?.message).toContain("status write of it had failed");
    expect(adopted?.message).not.toContain("restart");
    expect(latestJob(own.status.jobs, "provision")?.message).toContain("launching controller");
    const human = decide(
      input({ status: s, providers, resolution: { correlationId: "c-pending", jobId: "j9" } }),
    );
    expect(human.events.find((e) => e.reason === "JobAdopted")?.message).toContain("restart");
    expect(latestJob(human.status.jobs, "provision")?.message).toContain("human");
  });

  it("adopts a deprovision job from a resolution with the blockDeletionOnFailure it gives", () => {
    const p = pending({ type: "deprovision", configVersion: undefined });
    delete (p as { configVersion?: string }).configVersion;
    const providers = directory(caps("memory", false));
    const s = status({ pendingLaunch: p });
    const given = decide(
      input({
        status: s,
        providers,
        deleting: true,
        resolution: { correlationId: "c-pending", jobId: "d9", blockDeletionOnFailure: false },
      }),
    );
    expect(latestJob(given.status.jobs, "deprovision")).toMatchObject({
      jobId: "d9",
      blockDeletionOnFailure: false,
    });
    const unsaid = decide(
      input({
        status: s,
        providers,
        deleting: true,
        resolution: { correlationId: "c-pending", jobId: "d9" },
      }),
    );
    expect(latestJob(unsaid.status.jobs, "deprovision")?.blockDeletionOnFailure).toBe(true);
  });

  it("resolves a pending launch before anything else, even while deleting", () => {
    const d = decide(input({ status: status({ pendingLaunch: pending() }), deleting: true }));
    expect(d.action.kind).toBe("adopt");
    expect(d.finalizer).toBe("keep");
  });
});

describe("decide: deletion (E4)", () => {
  const provisioned = job({ state: JobState.Succeeded, finishedAt: iso(T0) });
  const dep = (over = {}) =>
    job({
      jobId: "d1",
      type: "deprovision",
      configVersion: undefined,
      blockDeletionOnFailure: true,
      ...over,
    });

  it("launches a deprovision with a pending marker, keeping the finalizer", () => {
    const d = decide(input({ status: status({ jobs: [provisioned] }), deleting: true }));
    expect(d.action).toMatchObject({
      kind: "launch",
      type: "deprovision",
      pending: { type: "deprovision", attempt: 1 },
    });
    expect(d.action.kind === "launch" && "configVersion" in d.action.pending).toBe(false);
    expect(d.persistFirst).toBe(true);
    expect(d.finalizer).toBe("keep");
    expect(cond(d, ConditionType.Ready)).toMatchObject({ status: "False", reason: "Deleting" });
    expect(cond(d, ConditionType.Deleting)?.status).toBe("True");
  });

  it("asks the provider at once while its provision job runs (P5), then on schedule", () => {
    const running = job();
    const first = decide(input({ status: status({ jobs: [running] }), deleting: true }));
    expect(first.action).toMatchObject({ kind: "launch", type: "deprovision" });
    expect(cond(first, ConditionType.Deleting)?.reason).toBe("WaitingForProvisionJob");
    const waiting = decide(
      input({
        status: status({ jobs: [running], deprovisionWaitUntil: iso(T0 + 8_000) }),
        deleting: true,
        now: T0 + 1_000,
      }),
    );
    expect(waiting.action.kind).toBe("none");
    expect(waiting.requeueAfterMs).toBe(7_000);
  });

  it("drives a provision job of another provider to an end through that provider first (E6)", () => {
    const theirs = job({ provider: "old" });
    const providers = directory(caps("new"), caps("old"));
    const d = decide(input({ status: status({ jobs: [theirs] }), deleting: true, providers }));
    expect(d.action).toMatchObject({
      kind: "cancel",
      reason: "deletion",
      job: { provider: "old" },
    });
    const canceled = job({ provider: "old", cancelRequestedAt: iso(T0) });
    expect(
      decide(input({ status: status({ jobs: [canceled] }), deleting: true, providers })).action,
    ).toMatchObject({ kind: "poll" });
    const done = decide(
      input({
        status: status({ jobs: [job({ provider: "old", state: JobState.Canceled })] }),
        deleting: true,
        providers,
      }),
    );
    expect(done.action).toMatchObject({ kind: "launch", pending: { provider: "new" } });
  });

  it("polls a running deprovision job and releases after success", () => {
    expect(
      decide(input({ status: status({ jobs: [provisioned, dep()] }), deleting: true })).action.kind,
    ).toBe("poll");
    const done = decide(
      input({
        status: status({ jobs: [provisioned, dep({ state: JobState.Succeeded })] }),
        deleting: true,
      }),
    );
    expect(done.finalizer).toBe("release");
    expect(done.action.kind).toBe("none");
    expect(cond(done, ConditionType.Deleting)?.reason).toBe("DeprovisionSucceeded");
  });

  it("releases after a skipped deprovision (P6)", () => {
    const d = decide(
      input({
        status: status({ deprovisionSkipped: { reason: "never provisioned", at: iso(T0) } }),
        deleting: true,
      }),
    );
    expect(d.finalizer).toBe("release");
  });

  it("releases after a failure that does not block deletion", () => {
    const d = decide(
      input({
        status: status({
          jobs: [
            provisioned,
            dep({ state: JobState.Failed, blockDeletionOnFailure: false, finishedAt: iso(T0) }),
          ],
        }),
        deleting: true,
      }),
    );
    expect(d.finalizer).toBe("release");
    expect(d.events[0]).toMatchObject({ type: "Warning", reason: "DeletionAllowedAfterFailure" });
    expect(cond(d, ConditionType.DeletionBlocked)?.status).toBe("False");
  });

  it("keeps the finalizer after a blocking failure, says why, and retries with capped backoff", () => {
    const options = { deprovisionBackoff: { initialMs: 1_000, factor: 2, maxMs: 5_000 } };
    const failed = (attempt: number) =>
      status({
        jobs: [
          provisioned,
          dep({ state: JobState.Failed, finishedAt: iso(T0), attempt, message: "boom" }),
        ],
      });
    const d = decide(input({ status: failed(2), deleting: true, now: T0 + 500, options }));
    expect(d.finalizer).toBe("keep");
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(1_500);
    expect(cond(d, ConditionType.DeletionBlocked)).toMatchObject({
      status: "True",
      reason: "DeprovisionFailed",
    });
    expect(cond(d, ConditionType.DeletionBlocked)?.message).toMatch(/boom/);
    expect(
      decide(input({ status: failed(10), deleting: true, now: T0, options })).requeueAfterMs,
    ).toBe(5_000);
    const retry = decide(input({ status: failed(2), deleting: true, now: T0 + 2_000, options }));
    expect(retry.action).toMatchObject({
      kind: "launch",
      type: "deprovision",
      pending: { attempt: 3 },
    });
  });
});
