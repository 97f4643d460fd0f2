import { describe, expect, it } from "vitest";
import { TransientError, type Condition } from "@provisionkit/core";
import { CRD } from "../support/cluster.ts";
import { Rig } from "../support/request-count.ts";

// Issue 16, the EdaProvider soak (seed 15 of the 2026-12-05 23:46 sweep: an object stuck on
// LaunchOutcomeUnknown for a deprovision launch, with no job in the backend). A launch whose
// answer says that nothing was created (a failure with a known outcome: the provider says
// the request was refused) clears the pending-launch marker in the status the controller
// writes next. When that write meets a 409 (another writer changed the status during the
// launch), the marker stays stored and the launching controller's knowledge that nothing was
// created must not be lost: with a provider without `findJob` (the test provider, like the
// EdaProvider) the next reconcile sees only the marker and, after the grace, counts the
// launch's outcome unknown and waits for a human. Virtual time.

interface StoredStatus {
  provisioning?: { jobs?: { jobId: string }[]; pendingLaunch?: unknown };
  conditions?: Condition[];
}
function statusOf(rig: Rig, name: string): StoredStatus {
  return (rig.object(name)?.status as StoredStatus | undefined) ?? {};
}

/**
 * Create; the first provision launch is refused with a known outcome (nothing created) while
 * another writer changes the status (a condition added, as a second replica does). With
 * `restart`, the controller is told to stop during that launch (as the soak's churn does):
 * the reconcile ends in the 409 and no retry of it runs; a new controller is started once
 * the stop resolved. Then until Ready, or 30 s of virtual time.
 */
async function provisionThroughRefusedLaunch(restart: boolean) {
  let first = true;
  let stopping: Promise<void> | undefined;
  let stopped = false;
  const rig: Rig = await Rig.start({
    jobMs: 5_000,
    engine: { pollIntervalMs: 1_000, pendingLaunchGraceMs: 3_000 },
    gate: () => {
      if (!first) return Promise.resolve();
      first = false;
      const ref = { ...CRD, namespace: rig.namespace, name: "vm-0" };
      rig.sim.updateObject(ref, (object) => {
        const status = (object.status ?? {}) as StoredStatus;
        const condition: Condition = {
          type: "Example",
          status: "True",
          reason: "WrittenByAnotherWriter",
          message: "another writer changed the status during the launch",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        };
        object.status = { ...status, conditions: [...(status.conditions ?? []), condition] };
      });
      if (restart) {
        stopping = rig.stopController().then(() => {
          stopped = true;
        });
      }
      return Promise.reject(
        new TransientError("the backend refused the launch; nothing was created", {
          outcomeUnknown: false,
        }),
      );
    },
  });
  try {
    await rig.startController();
    await rig.create("vm-0");
    let pendingAtStop: unknown;
    if (restart) {
      // Until the launch began (and with it the stop); the stop ends with no virtual time.
      await rig.drive(() => stopping !== undefined);
      await stopping;
      expect(stopped).toBe(true);
      pendingAtStop = statusOf(rig, "vm-0").provisioning?.pendingLaunch;
      await rig.startController();
    }
    let unknownSeen = false;
    await rig.drive(
      () => {
        unknownSeen ||= (statusOf(rig, "vm-0").conditions ?? []).some(
          (c) => c.type === "LaunchOutcomeUnknown" && c.status === "True",
        );
        return rig.ready("vm-0");
      },
      { untilMs: 30_000 },
    );
    return {
      launches: [...rig.provider.launches],
      jobs: (statusOf(rig, "vm-0").provisioning?.jobs ?? []).map((j) => j.jobId),
      pending: statusOf(rig, "vm-0").provisioning?.pendingLaunch,
      ready: rig.ready("vm-0"),
      unknownSeen,
      pendingAtStop,
    };
  } finally {
    await rig.stop();
  }
}

describe("a launch that created nothing, whose status write met a 409 (issue 16)", () => {
  it("the launching controller knows nothing was created: it launches again, never LaunchOutcomeUnknown", async () => {
    const run = await provisionThroughRefusedLaunch(false);
    expect(run.unknownSeen).toBe(false);
    expect(run.launches).toEqual(["provision vm-0", "provision vm-0"]);
    expect(run.jobs).toEqual(["p1"]);
    expect(run.pending).toBeUndefined();
    expect(run.ready).toBe(true);
  }, 60_000);

  it("stopped before its next reconcile, it clears the marker on stop: the next controller launches again", async () => {
    const run = await provisionThroughRefusedLaunch(true);
    expect(run.pendingAtStop).toBeUndefined();
    expect(run.unknownSeen).toBe(false);
    expect(run.launches).toEqual(["provision vm-0", "provision vm-0"]);
    expect(run.jobs).toEqual(["p1"]);
    expect(run.pending).toBeUndefined();
    expect(run.ready).toBe(true);
  }, 60_000);
});
