import {
  JobState,
  configVersion,
  isProviderError,
  type JobRecord,
  type ResourceObject,
} from "@provisionkit/core";
import type { AapLedgerJob } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { decodeJobId, readProvisionkitVars } from "../src/index.ts";
import { call, computeInstance, hostPool, startAap, type AapFixture } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });

/** A provision job record as the engine keeps it. */
function record(jobId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId,
    type: "provision",
    state: JobState.Running,
    message: "",
    provider: "aap",
    correlationId: "corr-p",
    launchedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    configVersion: V1,
    attempt: 1,
    ...overrides,
  };
}

async function provision(f: AapFixture, resource: ResourceObject): Promise<JobRecord> {
  const result = await f.provider.triggerProvision(resource, {
    ...call("corr-p"),
    configVersion: V1,
  });
  return record(result.jobId, { state: result.initialState });
}

/** A provision job of `resource` that ended and that AAP then purged; its record remains. */
async function purgedProvision(f: AapFixture, resource: ResourceObject): Promise<JobRecord> {
  const job = await provision(f, resource);
  f.clock.advance(60_000);
  f.sim.purgeJob(decodeJobId(job.jobId).id);
  return job;
}

/** No two jobs of one resource were ever non-terminal at the same instant (E1). */
function expectNoOverlap(jobs: AapLedgerJob[]): void {
  const sorted = [...jobs].sort((a, b) => a.createdAt - b.createdAt);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    expect(previous.finishedAt, `job ${previous.id} must have ended`).toBeDefined();
    expect(sorted[i]!.createdAt).toBeGreaterThanOrEqual(previous.finishedAt!);
  }
}

describe("triggerDeprovision (P5, P6, P7)", () => {
  it("is skipped when no provision job was ever launched (P6)", async () => {
    const fx = await startAap();
    const result = await fx.provider.triggerDeprovision(computeInstance("vm-1"), [], call());
    expect(result.action).toBe("skipped");
    expect(fx.sim.ledger()).toHaveLength(0);
  });

  it("cancels a running provision job, waits, and only then launches the teardown", async () => {
    const fx = await startAap({
      simulator: {
        defaultScript: { pendingMs: 100, waitingMs: 100, runMs: 60_000, cancelDelayMs: 3000 },
      },
    });
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    fx.clock.advance(1000); // running now

    const first = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d1"));
    expect(first).toMatchObject({
      action: "waiting",
      blockDeletionOnFailure: true,
      provisionJobStatus: { jobId: provisionJob.jobId, state: JobState.Running },
    });
    const again = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d2"));
    expect(again.action).toBe("waiting");
    // Once is enough (P5): AAP recorded canceled_on, so the second call does not POST again.
    expect(fx.sim.requests().filter((r) => r.operation === "cancel")).toHaveLength(1);
    expect(fx.sim.ledger()).toHaveLength(1);
    expect(fx.sim.ledger()[0]!.cancelRequestedAt).toBe(fx.clock.now());

    fx.clock.advance(3000);
    const third = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d3"));
    expect(third).toMatchObject({
      action: "triggered",
      blockDeletionOnFailure: true,
      provisionJobStatus: { state: JobState.Canceled },
    });
    const jobs = fx.sim.ledger();
    expect(jobs.map((j) => j.templateName)).toEqual([
      "create-compute-instance",
      "delete-compute-instance",
    ]);
    expect(readProvisionkitVars(jobs[1]!.extraVars)).toEqual({
      correlationId: "corr-d3",
      operation: "deprovision",
      blockDeletionOnFailure: true,
    });
    expectNoOverlap(jobs);
  });

  it("launches at once when a pending provision job is cancelled inside the cancel request", async () => {
    const fx = await startAap({ simulator: { defaultScript: { pendingMs: 10_000 } } });
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    const result = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d"));
    expect(result).toMatchObject({
      action: "triggered",
      provisionJobStatus: { state: JobState.Canceled },
    });
    expectNoOverlap(fx.sim.ledger());
  });

  it("does not cancel a provision job that already ended", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    fx.clock.advance(60_000);
    const result = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d"));
    expect(result).toMatchObject({
      action: "triggered",
      provisionJobStatus: { state: JobState.Succeeded },
    });
    expect(fx.sim.requests().filter((r) => r.operation === "cancel")).toHaveLength(0);
    expectNoOverlap(fx.sim.ledger());
  });

  it("does not read a provision job again that the record says ended (issue 17)", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    fx.clock.advance(60_000);
    const ended = { ...provisionJob, state: JobState.Succeeded };
    const result = await fx.provider.triggerDeprovision(vm, [ended], call("corr-d"));
    expect(result.action).toBe("triggered");
    expect(fx.sim.requests().filter((r) => r.operation === "job-get")).toHaveLength(0);
    expect(
      result.action === "triggered" ? result.provisionJobStatus : "not triggered",
    ).toBeUndefined();
    expectNoOverlap(fx.sim.ledger());
  });

  it("checks AAP even when the record says the provision job ended (a timed-out job may still run)", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    fx.clock.advance(5000);
    const stale = { ...provisionJob, state: JobState.Failed, reason: "Timeout", awaitingEnd: true };
    const result = await fx.provider.triggerDeprovision(vm, [stale], call("corr-d"));
    expect(result.action).toBe("waiting");
  });

  it("proceeds when the provision job was purged", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const provisionJob = await purgedProvision(fx, vm);
    const result = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d"));
    expect(result.action).toBe("triggered");
    expect(
      result.action === "triggered" ? result.provisionJobStatus : "not triggered",
    ).toBeUndefined();
  });

  it("re-reads after a 405 on cancel and keeps waiting while AAP still says running", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    fx.clock.advance(5000);
    fx.sim.faults.inject({
      operation: "cancel",
      action: { type: "status", status: 405, body: { detail: 'Method "POST" not allowed.' } },
    });
    const result = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d"));
    expect(result.action).toBe("waiting");
    expect(fx.sim.requests().filter((r) => r.operation === "job-get").length).toBe(2);
    expect(fx.sim.ledger()).toHaveLength(1);
  });

  it("tears down a workflow-provisioned resource through workflow_jobs/ cancel", async () => {
    const fx = await startAap({ simulator: { defaultScript: { pendingMs: 100, runMs: 60_000 } } });
    const pool = hostPool("pool-1");
    const provisionJob = await provision(fx, pool);
    fx.clock.advance(1000);
    const waiting = await fx.provider.triggerDeprovision(pool, [provisionJob], call("corr-d"));
    expect(waiting.action).toBe("waiting");
    const cancels = fx.sim.requests().filter((r) => r.operation === "cancel");
    expect(cancels.map((r) => r.path)).toEqual([
      expect.stringMatching(/\/workflow_jobs\/\d+\/cancel\/$/),
    ]);
    fx.clock.advance(60_000);
    const triggered = await fx.provider.triggerDeprovision(pool, [provisionJob], call("corr-d"));
    expect(triggered.action).toBe("triggered");
    expect(triggered.action === "triggered" && triggered.jobId).toMatch(/^workflow_job:/);
    expectNoOverlap(fx.sim.ledger());
  });

  it("leaves a provision job of another provider alone (the engine settled it) (E6)", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const foreign = record("eda-1", { provider: "eda", state: JobState.Succeeded });
    const result = await fx.provider.triggerDeprovision(vm, [foreign], call("corr-d"));
    expect(result.action).toBe("triggered");
    expect(fx.sim.requests().filter((r) => r.operation === "job-get")).toHaveLength(0);
  });

  it("declares the configured blockDeletionOnFailure in every answer and in the job (P7)", async () => {
    const fx = await startAap({
      provider: { blockDeletionOnFailure: false },
      simulator: { defaultScript: { runMs: 60_000 } },
    });
    const vm = computeInstance("vm-1");
    const provisionJob = await provision(fx, vm);
    fx.clock.advance(5000);
    const waiting = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d"));
    expect(waiting).toMatchObject({ action: "waiting", blockDeletionOnFailure: false });
    fx.clock.advance(60_000);
    const triggered = await fx.provider.triggerDeprovision(vm, [provisionJob], call("corr-d"));
    expect(triggered).toMatchObject({ action: "triggered", blockDeletionOnFailure: false });
    const job = fx.sim.ledger()[1]!;
    expect(readProvisionkitVars(job.extraVars)?.blockDeletionOnFailure).toBe(false);
  });

  it("puts blockDeletionOnFailure into the deprovision payload's annotations, as EDA deprovision events carry it", async () => {
    const BLOCK = "provisionkit.io/block-deletion-on-failure";
    const annotations = (job: AapLedgerJob) =>
      (job.extraVars.ansible_eda as { event: { payload: ResourceObject } }).event.payload.metadata
        .annotations ?? {};
    for (const flag of [undefined, true, false]) {
      const fx = await startAap(
        flag === undefined ? {} : { provider: { blockDeletionOnFailure: flag } },
      );
      // A stale value on the resource itself is replaced, and never reaches a provision.
      const vm = computeInstance("vm-1");
      vm.metadata.annotations = { ...vm.metadata.annotations, [BLOCK]: "stale" };
      await fx.provider.triggerProvision(vm, { ...call("corr-p"), configVersion: V1 });
      const foreign = record("eda-1", { provider: "eda", state: JobState.Succeeded });
      const result = await fx.provider.triggerDeprovision(vm, [foreign], call("corr-d"));
      expect(result.action).toBe("triggered");
      const [provisionJob, deprovisionJob] = fx.sim.ledger();
      expect(annotations(provisionJob!)).not.toHaveProperty(BLOCK);
      expect(annotations(deprovisionJob!)).toMatchObject({
        "provisionkit.io/operation": "deprovision",
        "provisionkit.io/correlation-id": "corr-d",
        [BLOCK]: String(flag ?? true), // the default is true
      });
      expect(vm.metadata.annotations?.[BLOCK]).toBe("stale"); // the resource is not changed
    }
  });

  it("reports the deprovision job's status through getDeprovisionStatus", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    fx.sim.scriptNext("delete-compute-instance", {
      outcome: "failed",
      jobExplanation: "teardown broke",
    });
    const result = await fx.provider.triggerDeprovision(
      vm,
      [record("job:999", { provider: "other" })],
      call(),
    );
    if (result.action !== "triggered") throw new Error("expected triggered");
    fx.clock.advance(60_000);
    const status = await fx.provider.getDeprovisionStatus(vm, result.jobId, call());
    expect(status).toMatchObject({ state: JobState.Failed, errorDetails: "teardown broke" });
    expect(status.reconciledVersion).toBeUndefined();
  });
});

describe("cancelJob", () => {
  it("asks AAP to cancel, and resolves for a job that already ended (405)", async () => {
    const fx = await startAap({
      simulator: { defaultScript: { runMs: 60_000, cancelDelayMs: 1000 } },
    });
    const vm = computeInstance("vm-1");
    const job = await provision(fx, vm);
    fx.clock.advance(5000);
    await fx.provider.cancelJob(vm, job.jobId, "provision", call());
    fx.clock.advance(1000);
    expect(fx.sim.ledger()[0]!.status).toBe("canceled");
    await expect(
      fx.provider.cancelJob(vm, job.jobId, "provision", call()),
    ).resolves.toBeUndefined();
    expect(
      fx.sim
        .requests()
        .filter((r) => r.operation === "cancel")
        .map((r) => r.status),
    ).toEqual([202, 405]);
  });

  it("throws JobNotFoundError for a purged job", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const job = await purgedProvision(fx, vm);
    const error: unknown = await fx.provider
      .cancelJob(vm, job.jobId, "provision", call())
      .catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("JOB_NOT_FOUND");
  });
});
