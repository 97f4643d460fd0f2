/**
 * The conditions a user reads on the resource (`Provisioned`, `Ready`, `Deleting`,
 * `DeletionBlocked`, `LaunchOutcomeUnknown`), as `summarize` derives them from the status.
 */
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  ErrorCode,
  JobState,
  findCondition,
  summarize,
  type Condition,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { T0, V1, V2, iso, job, pending, status } from "./support/fixtures.js";

const at = { deleting: false, now: T0, generation: 4 };

function condition(s: ProvisioningStatus, type: string, deleting = false): Condition | undefined {
  return findCondition(summarize(s, { ...at, deleting }).conditions, type);
}

const provisioned = (s: ProvisioningStatus) => condition(s, ConditionType.Provisioned);
const failure = (over: Partial<NonNullable<ProvisioningStatus["launchFailure"]>> = {}) => ({
  type: "provision" as const,
  configVersion: V2,
  code: ErrorCode.Transient,
  message: "connection reset",
  count: 2,
  at: iso(T0),
  retryAt: iso(T0 + 30_000),
  ...over,
});

describe("summarize: Provisioned and Ready", () => {
  it("is Reconciled when the desired config version is the applied one", () => {
    const c = provisioned(status({ desiredConfigVersion: V1, reconciledConfigVersion: V1 }));
    expect(c).toMatchObject({ status: "True", reason: "Reconciled", observedGeneration: 4 });
    expect(c?.message).toContain(V1);
  });

  it("is not Reconciled when no config version is desired, even if none was applied", () => {
    const c = provisioned(status({ jobs: [] }));
    expect(c).toMatchObject({ status: "False", reason: "Pending" });
    expect(c?.message).toContain("(none)");
  });

  it("reports a running provision job of the desired version as Provisioning", () => {
    const c = provisioned(status({ desiredConfigVersion: V1, jobs: [job()] }));
    expect(c).toMatchObject({ status: "False", reason: "Provisioning" });
    expect(c?.message).toContain("j1");
    expect(c?.message).not.toContain("older config");
  });

  it("says when the running job applies an older config, and whether it was asked to cancel", () => {
    const waiting = provisioned(status({ desiredConfigVersion: V2, jobs: [job()] }));
    expect(waiting?.reason).toBe("Provisioning");
    expect(waiting?.message).toContain("older config");
    expect(waiting?.message).not.toContain("cancel");
    const canceling = provisioned(
      status({ desiredConfigVersion: V2, jobs: [job({ cancelRequestedAt: iso(T0) })] }),
    );
    expect(canceling?.message).toContain("asked to cancel");
  });

  it("reports a failed launch of the desired version, with its count, code and retry time", () => {
    const c = provisioned(status({ desiredConfigVersion: V2, launchFailure: failure() }));
    expect(c).toMatchObject({ status: "False", reason: "LaunchFailed" });
    expect(c?.message).toContain("2 in a row");
    expect(c?.message).toContain(ErrorCode.Transient);
    expect(c?.message).toContain(iso(T0 + 30_000));
  });

  it("ignores a launch failure of another version or of a deprovision", () => {
    const older = provisioned(
      status({ desiredConfigVersion: V2, launchFailure: failure({ configVersion: V1 }) }),
    );
    expect(older?.reason).toBe("Pending");
    const teardown = provisioned(
      status({ desiredConfigVersion: V2, launchFailure: failure({ type: "deprovision" }) }),
    );
    expect(teardown?.reason).toBe("Pending");
  });

  it("reports a provision launch in flight as Launching, but not a deprovision launch", () => {
    expect(
      provisioned(status({ desiredConfigVersion: V1, pendingLaunch: pending() }))?.reason,
    ).toBe("Launching");
    const teardown = status({
      desiredConfigVersion: V1,
      pendingLaunch: pending({ type: "deprovision", configVersion: undefined }),
    });
    expect(provisioned(teardown)?.reason).toBe("Pending");
  });

  it("reports a failed provision job of the desired version with the job's own reason", () => {
    const ended = job({ state: JobState.Failed, message: "disk full", reason: "Timeout" });
    const c = provisioned(status({ desiredConfigVersion: V1, jobs: [ended] }));
    expect(c).toMatchObject({ status: "False", reason: "Timeout" });
    expect(c?.message).toContain("j1");
    expect(c?.message).toContain("disk full");
    const plain = provisioned(
      status({ desiredConfigVersion: V1, jobs: [job({ state: JobState.Canceled })] }),
    );
    expect(plain?.reason).toBe("ProvisionFailed");
  });

  it("does not blame a failed job of an older version for the new one", () => {
    const ended = job({ state: JobState.Failed, configVersion: V1 });
    expect(provisioned(status({ desiredConfigVersion: V2, jobs: [ended] }))?.reason).toBe(
      "Pending",
    );
  });

  it("Ready follows Provisioned, and is False with reason Deleting while deleting", () => {
    const applied = status({ desiredConfigVersion: V1, reconciledConfigVersion: V1 });
    expect(condition(applied, ConditionType.Ready)).toMatchObject({
      status: "True",
      reason: "Reconciled",
    });
    expect(condition(applied, ConditionType.Ready, true)).toMatchObject({
      status: "False",
      reason: "Deleting",
      observedGeneration: 4,
    });
  });

  it("writes no observedGeneration when the generation is unknown", () => {
    const out = summarize(status({ desiredConfigVersion: V1 }), { deleting: true, now: T0 });
    for (const c of out.conditions) expect("observedGeneration" in c, c.type).toBe(false);
  });

  it("sets Deleting and DeletionBlocked only while deleting", () => {
    const s = status({ desiredConfigVersion: V1 });
    expect(condition(s, ConditionType.Deleting)).toBeUndefined();
    expect(condition(s, ConditionType.DeletionBlocked)).toBeUndefined();
    expect(condition(s, ConditionType.Deleting, true)?.status).toBe("True");
  });
});

describe("summarize: LaunchOutcomeUnknown", () => {
  const unknown: Condition = {
    type: ConditionType.LaunchOutcomeUnknown,
    status: "True",
    reason: "CannotLookUp",
    message: "check the backend",
    lastTransitionTime: iso(T0),
  };

  it("is kept while a launch is pending and removed once none is", () => {
    const held = status({ pendingLaunch: pending(), conditions: [unknown] });
    expect(condition(held, ConditionType.LaunchOutcomeUnknown)).toBeDefined();
    const settled = status({ conditions: [unknown] });
    expect(condition(settled, ConditionType.LaunchOutcomeUnknown)).toBeUndefined();
  });
});

describe("summarize: deletion", () => {
  const deleting = (s: ProvisioningStatus) => condition(s, ConditionType.Deleting, true);
  const blocked = (s: ProvisioningStatus) => condition(s, ConditionType.DeletionBlocked, true);
  const teardown = (over: Parameters<typeof job>[0] = {}) =>
    job({
      type: "deprovision",
      jobId: "d1",
      configVersion: undefined,
      blockDeletionOnFailure: true,
      ...over,
    });
  const done = job({ state: JobState.Succeeded, finishedAt: iso(T0) });

  it("waits for an active provision job before deprovisioning", () => {
    const c = deleting(status({ jobs: [job()] }));
    expect(c).toMatchObject({ status: "True", reason: "WaitingForProvisionJob" });
    expect(c?.message).toContain("j1");
    const timedOut = job({ state: JobState.Failed, awaitingEnd: true });
    expect(deleting(status({ jobs: [timedOut] }))?.reason).toBe("WaitingForProvisionJob");
  });

  it("is about to deprovision when no provision job is active", () => {
    expect(deleting(status({ jobs: [done] }))?.reason).toBe("DeprovisionPending");
    expect(deleting(status())?.reason).toBe("DeprovisionPending");
    expect(blocked(status())).toMatchObject({ status: "False", reason: "NotBlocked" });
  });

  it("reports a running deprovision job, then its success", () => {
    const running = deleting(status({ jobs: [done, teardown()] }));
    expect(running).toMatchObject({ reason: "DeprovisionRunning" });
    expect(running?.message).toContain("d1");
    const ok = status({ jobs: [done, teardown({ state: JobState.Succeeded })] });
    expect(deleting(ok)?.reason).toBe("DeprovisionSucceeded");
    expect(deleting(ok)?.message).toContain("d1");
    expect(blocked(ok)?.status).toBe("False");
  });

  it("blocks deletion after a failed deprovision unless the provider allows deletion anyway", () => {
    const failed = status({
      jobs: [done, teardown({ state: JobState.Failed, message: "vpc in use" })],
    });
    expect(deleting(failed)?.reason).toBe("DeletionBlocked");
    const b = blocked(failed);
    expect(b).toMatchObject({ status: "True", reason: "DeprovisionFailed", observedGeneration: 4 });
    expect(b?.message).toContain("d1");
    expect(b?.message).toContain("vpc in use");
    const unspecified = status({
      jobs: [done, teardown({ state: JobState.Failed, blockDeletionOnFailure: undefined })],
    });
    expect(blocked(unspecified)?.status).toBe("True");
    const timedOut = status({
      jobs: [done, teardown({ state: JobState.Failed, reason: "Timeout" })],
    });
    expect(blocked(timedOut)?.reason).toBe("Timeout");
    const allowed = status({
      jobs: [done, teardown({ state: JobState.Canceled, blockDeletionOnFailure: false })],
    });
    expect(deleting(allowed)?.reason).toBe("DeprovisionFailed");
    expect(deleting(allowed)?.message).toContain("d1");
    expect(blocked(allowed)).toMatchObject({ status: "False", reason: "NotBlocked" });
  });
});
