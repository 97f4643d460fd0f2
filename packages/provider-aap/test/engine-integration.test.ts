import {
  ConditionType,
  JobState,
  configVersion,
  findCondition,
  type ReconcileResult,
  type ResourceObject,
} from "@provisionkit/core";
import { driveEngine, type AapLedgerJob, type EngineState } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { computeInstance, startAap, type AapFixture } from "./support/fixture.ts";

// The engine driving AapProvider against the simulator over real HTTP, on virtual time:
// the ledger (the simulator's out-of-band record of every job) is what the assertions read.

type Driven = EngineState;

/** Reconciles `resource` against the fixture's provider until `until` holds. */
function drive(
  f: AapFixture,
  resource: ResourceObject,
  state: Driven,
  until: (result: ReconcileResult) => boolean,
  deleting = false,
): Promise<ReconcileResult> {
  return driveEngine({
    provider: f.provider,
    resource,
    state,
    clock: f.clock,
    until,
    deleting,
    engine: { pollIntervalMs: 5000, pendingLaunchGraceMs: 10_000 },
  });
}

function expectNoOverlap(jobs: AapLedgerJob[]): void {
  const sorted = [...jobs].sort((a, b) => a.createdAt - b.createdAt);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    expect(previous.finishedAt, `job ${previous.id} ended before the next began`).toBeDefined();
    expect(sorted[i]!.createdAt).toBeGreaterThanOrEqual(previous.finishedAt!);
  }
}

const ready = (r: ReconcileResult) =>
  findCondition(r.status.conditions, ConditionType.Ready)?.status === "True";

describe("engine + AapProvider + AAP simulator", () => {
  it("provisions to Ready with the reconciled version of the job (E3)", async () => {
    const fx = await startAap({
      simulator: { defaultScript: { pendingMs: 1000, waitingMs: 1000, runMs: 20_000 } },
    });
    const vm = computeInstance("vm-1");
    const state: Driven = { status: undefined };
    const result = await drive(fx, vm, state, ready);
    expect(result.status.reconciledConfigVersion).toBe(configVersion(vm.spec));
    expect(fx.sim.ledger()).toHaveLength(1);
    expect(fx.sim.ledger()[0]!.status).toBe("successful");
  });

  it("deletes while provisioning: cancel, wait, then tear down, never overlapping (P5, E1)", async () => {
    const fx = await startAap({
      simulator: {
        defaultScript: { pendingMs: 1000, waitingMs: 1000, runMs: 120_000, cancelDelayMs: 8000 },
      },
    });
    const vm = computeInstance("vm-1");
    const state: Driven = { status: undefined };
    await drive(fx, vm, state, (r) => r.status.jobs.some((j) => j.state === JobState.Running));
    const deleting = {
      ...vm,
      metadata: { ...vm.metadata, deletionTimestamp: new Date(fx.clock.now()).toISOString() },
    };
    const result = await drive(fx, deleting, state, (r) => r.finalizer === "release", true);
    const jobs = fx.sim.ledger();
    expect(jobs.map((j) => [j.templateName, j.status])).toEqual([
      ["create-compute-instance", "canceled"],
      ["delete-compute-instance", "successful"],
    ]);
    expectNoOverlap(jobs);
    expect(result.status.jobs.find((j) => j.type === "deprovision")?.state).toBe(
      JobState.Succeeded,
    );
  });

  it("adopts a job whose launch response was lost instead of launching a second (E5)", async () => {
    const fx = await startAap();
    fx.sim.faults.inject({ operation: "launch", action: { type: "drop-after-accept" } });
    const vm = computeInstance("vm-1");
    const state: Driven = { status: undefined };
    const result = await drive(fx, vm, state, ready);
    expect(fx.sim.ledger()).toHaveLength(1);
    expect(result.events.map((e) => e.reason).join(" ")).not.toContain("LaunchOutcomeUnknown");
    expect(state.status?.jobs[0]?.jobId).toBe(`job:${fx.sim.ledger()[0]!.id}`);
  });

  it("keeps deletion blocked after a failed teardown and finishes it on retry (E4)", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const state: Driven = { status: undefined };
    await drive(fx, vm, state, ready);
    fx.sim.scriptNext("delete-compute-instance", {
      outcome: "failed",
      jobExplanation: "cloud API down",
    });
    const deleting = {
      ...vm,
      metadata: { ...vm.metadata, deletionTimestamp: new Date(fx.clock.now()).toISOString() },
    };
    const blocked = await drive(
      fx,
      deleting,
      state,
      (r) => findCondition(r.status.conditions, ConditionType.DeletionBlocked)?.status === "True",
      true,
    );
    expect(blocked.finalizer).not.toBe("release");
    expect(
      findCondition(blocked.status.conditions, ConditionType.DeletionBlocked)?.message,
    ).toContain("cloud API down");
    const done = await drive(fx, deleting, state, (r) => r.finalizer === "release", true);
    expect(done.status.jobs.filter((j) => j.type === "deprovision").map((j) => j.state)).toEqual([
      JobState.Failed,
      JobState.Succeeded,
    ]);
    const teardowns = fx.sim.ledger().filter((j) => j.templateName === "delete-compute-instance");
    expect(teardowns).toHaveLength(2);
    expectNoOverlap(fx.sim.ledger());
  });

  it("relaunches after a job was purged before it was seen to finish, never overlapping", async () => {
    const fx = await startAap({
      simulator: { defaultScript: { pendingMs: 1000, waitingMs: 0, runMs: 10_000 } },
    });
    const vm = computeInstance("vm-1");
    const state: Driven = { status: undefined };
    await drive(fx, vm, state, (r) => r.status.jobs.length === 1);
    // The operator is away while the job ends and AAP's cleanup purges it.
    fx.clock.advance(60_000);
    fx.sim.purgeJob(fx.sim.ledger()[0]!.id);
    const result = await drive(fx, vm, state, ready);
    expect(result.status.jobs.map((j) => [j.state, j.reason])).toEqual([
      [JobState.Failed, "JobNotFound"],
      [JobState.Succeeded, undefined],
    ]);
    expect(fx.sim.ledger()).toHaveLength(2);
    expectNoOverlap(fx.sim.ledger());
  });

  it("adopts a job whose launch timed out and was created afterwards (slow AAP)", async () => {
    const fx = await startAap({ client: { timeoutMs: 200 } });
    fx.sim.faults.inject({ operation: "launch", action: { type: "hang" } });
    const vm = computeInstance("vm-1");
    const state: Driven = { status: undefined };
    // First reconcile: the launch times out (200 ms of real time); the pending marker stays.
    const first = await drive(fx, vm, state, () => true);
    expect(first.status.pendingLaunch).toBeDefined();
    expect(fx.sim.ledger()).toHaveLength(0);
    // AAP gets to the request late and creates the job.
    fx.sim.faults.release();
    await expect.poll(() => fx.sim.ledger().length).toBe(1);
    fx.clock.advance(first.requeueAfterMs ?? 5000);
    const result = await drive(fx, vm, state, ready);
    expect(fx.sim.ledger()).toHaveLength(1);
    expect(result.status.jobs[0]?.jobId).toBe(`job:${fx.sim.ledger()[0]!.id}`);
  });
});
