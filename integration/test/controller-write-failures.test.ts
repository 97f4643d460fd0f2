import { describe, expect, it } from "vitest";
import type { Condition } from "@provisionkit/core";
import { Rig } from "../support/request-count.ts";

// Issue 16: a status write that fails with a server error (not a 409) right after a launch
// must not lose that launch's job record. The test provider has no `findJob`, like the
// EdaProvider: a lost record leaves only the pending-launch marker, which such a provider
// can never resolve (LaunchOutcomeUnknown, waiting for a human). Virtual time; the
// Kubernetes API simulator answers the status PUTs with 500 Internal Server Error,
// unprocessed, as an API server does when etcd fails the request.

interface StoredStatus {
  provisioning?: { jobs?: { jobId: string }[]; pendingLaunch?: unknown };
  conditions?: Condition[];
}
function statusOf(rig: Rig, name: string): StoredStatus {
  return (rig.object(name)?.status as StoredStatus | undefined) ?? {};
}

/**
 * Run create → Ready with `failures` status PUTs after the launch answered 500, and record
 * every condition reason the object showed on the way.
 */
async function provisionThroughFailures(failures: number) {
  let armed = false;
  const rig: Rig = await Rig.start({
    jobMs: 5_000,
    engine: { pollIntervalMs: 1_000, pendingLaunchGraceMs: 3_000 },
    // The launch is under way: the marker is stored, the record is not written yet.
    gate: () => {
      if (!armed) {
        armed = true;
        rig.sim.faults.status({
          code: 500,
          times: failures,
          method: "PUT",
          pathIncludes: "/status",
        });
      }
      return Promise.resolve();
    },
  });
  const reasons = new Set<string>();
  const watch = () => {
    for (const c of statusOf(rig, "vm-0").conditions ?? []) {
      if (c.status === "True") reasons.add(c.type);
      reasons.add(c.reason ?? "");
    }
  };
  try {
    await rig.startController();
    await rig.create("vm-0");
    await rig.drive(() => {
      watch();
      const unknown = reasons.has("LaunchOutcomeUnknown");
      return rig.ready("vm-0") || unknown;
    });
    return {
      launches: [...rig.provider.launches],
      jobs: (statusOf(rig, "vm-0").provisioning?.jobs ?? []).map((j) => j.jobId),
      pending: statusOf(rig, "vm-0").provisioning?.pendingLaunch,
      ready: rig.ready("vm-0"),
      reasons: [...reasons],
    };
  } finally {
    await rig.stop();
  }
}

describe("a status write that fails after a launch (issue 16)", () => {
  it("one 500 on the record write: the job is recorded, launched once, Ready", async () => {
    const run = await provisionThroughFailures(1);
    expect(run.reasons).not.toContain("LaunchOutcomeUnknown");
    expect(run.launches).toEqual(["provision vm-0"]);
    expect(run.jobs).toEqual(["p1"]);
    expect(run.pending).toBeUndefined();
    expect(run.ready).toBe(true);
  }, 60_000);

  it("500s that outlast the write's own retries and several reconciles: still one job, recorded once the API answers", async () => {
    const run = await provisionThroughFailures(12);
    expect(run.reasons).not.toContain("LaunchOutcomeUnknown");
    expect(run.launches).toEqual(["provision vm-0"]);
    expect(run.jobs).toEqual(["p1"]);
    expect(run.pending).toBeUndefined();
    expect(run.ready).toBe(true);
  }, 60_000);
});
