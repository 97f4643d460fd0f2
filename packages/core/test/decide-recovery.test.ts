/** decide() after a crash or a lost launch answer (E5), and while the resource is deleted (E4). */
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
  caps,
  directory,
  input,
  iso,
  job,
  status,
  cond,
  pending,
} from "./support/fixtures.js";

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
