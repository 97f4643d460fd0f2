import { describe, expect, it } from "vitest";
import type { Condition } from "@provisionkit/core";
import { CRD } from "../support/cluster.ts";
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
async function provisionThroughFailures(failures: number, kind: "500" | "silent" = "500") {
  let armed = false;
  const rig: Rig = await Rig.start({
    jobMs: 5_000,
    engine: { pollIntervalMs: 1_000, pendingLaunchGraceMs: 3_000 },
    // A silent write (held 1 s) outlasts the controller's request bound.
    ...(kind === "silent" ? { kubeRequestTimeoutMs: 200 } : {}),
    // The launch is under way: the marker is stored, the record is not written yet.
    gate: () => {
      if (!armed) {
        armed = true;
        const match = { times: failures, method: "PUT", pathIncludes: "/status" };
        if (kind === "500") rig.sim.faults.status({ code: 500, ...match });
        // Held 1 s (real time) before the simulator processes it: the controller's request
        // gets nothing for 200 ms and fails as unanswered (the write may land after).
        else rig.sim.faults.delay({ ms: 1_000, ...match });
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
      // Reads of the object from the API server: a write that got no answer (or an error)
      // is read back; every other read comes from the informer's cache.
      readBacks: rig.sim
        .requests()
        .filter((r) => r.method === "GET" && !r.watch && r.path.endsWith("/vm-0")).length,
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

/**
 * Create → Ready while, during the launch (marker stored, record not yet written), another
 * writer changes the status: as a second replica does when it counts the launch's outcome
 * unknown (the EdaProvider soak's 409s, issue 16). The record's write then meets a 409 on a
 * status that is not the one it was computed from.
 */
async function provisionThroughForeignWrite() {
  let armed = false;
  const rig: Rig = await Rig.start({
    jobMs: 5_000,
    engine: { pollIntervalMs: 1_000, pendingLaunchGraceMs: 3_000 },
    gate: () => {
      if (!armed) {
        armed = true;
        const ref = { ...CRD, namespace: rig.namespace, name: "vm-0" };
        rig.sim.updateObject(ref, (object) => {
          const status = (object.status ?? {}) as StoredStatus;
          const condition: Condition = {
            type: "LaunchOutcomeUnknown",
            status: "True",
            reason: "NeedsResolution",
            message: "written by another replica that saw only the pending marker",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          };
          object.status = { ...status, conditions: [...(status.conditions ?? []), condition] };
        });
      }
      return Promise.resolve();
    },
  });
  try {
    await rig.startController();
    await rig.create("vm-0");
    // Until Ready, or 30 s of virtual time.
    await rig.drive(() => rig.ready("vm-0"), { untilMs: 30_000 });
    return {
      launches: [...rig.provider.launches],
      jobs: (statusOf(rig, "vm-0").provisioning?.jobs ?? []).map((j) => j.jobId),
      pending: statusOf(rig, "vm-0").provisioning?.pendingLaunch,
      ready: rig.ready("vm-0"),
      unknown: (statusOf(rig, "vm-0").conditions ?? []).find(
        (c) => c.type === "LaunchOutcomeUnknown",
      )?.status,
    };
  } finally {
    await rig.stop();
  }
}

describe("a launch record write that gets no answer within kubeRequestTimeoutMs (E5, issue 17)", () => {
  it.each([1, 6])(
    "%i silent record writes: read back, one launch, recorded once, Ready",
    async (failures) => {
      const run = await provisionThroughFailures(failures, "silent");
      // The bound fired: each silent write was read back.
      expect(run.readBacks).toBeGreaterThanOrEqual(failures);
      expect(run.reasons).not.toContain("LaunchOutcomeUnknown");
      expect(run.launches).toEqual(["provision vm-0"]);
      expect(run.jobs).toEqual(["p1"]);
      expect(run.pending).toBeUndefined();
      expect(run.ready).toBe(true);
    },
    60_000,
  );
});

describe("a launch record refused with a 409 (issue 16)", () => {
  it("another writer changed the status during the launch: the launching controller still records its job, once", async () => {
    const run = await provisionThroughForeignWrite();
    expect(run.launches).toEqual(["provision vm-0"]);
    expect(run.jobs).toEqual(["p1"]);
    expect(run.pending).toBeUndefined();
    expect(run.ready).toBe(true);
    expect(run.unknown).not.toBe("True");
  }, 60_000);
});

/**
 * Create; the launch's record write fails with 500s past writeStatus's own retries (four
 * attempts), so the launching controller holds the job in memory only; then that
 * controller is stopped before its next reconcile (as the soak's churn does) and a new one
 * started. The test provider has no `findJob`: unless the stopping controller writes the
 * record, the new one sees only the pending marker and counts the outcome unknown.
 */
async function provisionThroughStop() {
  let armed = false;
  const rig: Rig = await Rig.start({
    jobMs: 5_000,
    engine: { pollIntervalMs: 1_000, pendingLaunchGraceMs: 3_000 },
    gate: () => {
      if (!armed) {
        armed = true;
        rig.sim.faults.status({ code: 500, times: 4, method: "PUT", pathIncludes: "/status" });
      }
      return Promise.resolve();
    },
  });
  try {
    await rig.startController();
    await rig.create("vm-0");
    // Until the reconcile that launched ended in its error (its retry is due later).
    await rig.drive(() => rig.troubled > 0);
    const held = statusOf(rig, "vm-0").provisioning;
    await rig.stopController();
    const afterStop = statusOf(rig, "vm-0").provisioning;
    await rig.startController();
    let unknownSeen = false;
    await rig.drive(
      () => {
        const unknown = (statusOf(rig, "vm-0").conditions ?? []).some(
          (c) => c.type === "LaunchOutcomeUnknown" && c.status === "True",
        );
        unknownSeen ||= unknown;
        return rig.ready("vm-0") || unknown;
      },
      { untilMs: 30_000 },
    );
    return {
      heldJobs: (held?.jobs ?? []).map((j) => j.jobId),
      heldPending: held?.pendingLaunch !== undefined,
      jobsAfterStop: (afterStop?.jobs ?? []).map((j) => j.jobId),
      launches: [...rig.provider.launches],
      jobs: (statusOf(rig, "vm-0").provisioning?.jobs ?? []).map((j) => j.jobId),
      ready: rig.ready("vm-0"),
      unknownSeen,
    };
  } finally {
    await rig.stop();
  }
}

describe("a launch record held in memory when the controller stops (issue 16)", () => {
  it("stop() writes it: the next controller polls the job instead of counting the launch unknown", async () => {
    const run = await provisionThroughStop();
    // The failure happened as intended: only the marker was stored when stop() began.
    expect(run.heldJobs).toEqual([]);
    expect(run.heldPending).toBe(true);
    expect(run.jobsAfterStop).toEqual(["p1"]);
    expect(run.launches).toEqual(["provision vm-0"]);
    expect(run.jobs).toEqual(["p1"]);
    expect(run.unknownSeen).toBe(false);
    expect(run.ready).toBe(true);
  }, 60_000);
});
