import { describe, expect, it } from "vitest";
import {
  ConditionType,
  JobState,
  findCondition,
  latestJob,
  providerSet,
  reconcile,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { Harness } from "./support/harness.js";
import {
  MemoryBackend,
  MemoryProvider,
  VirtualClock,
  overlappingJobs,
} from "./support/memory-backend.js";

function setup(options = {}) {
  const clock = new VirtualClock();
  const backend = new MemoryBackend(clock);
  const provider = new MemoryProvider(backend);
  const h = new Harness(clock, provider, options);
  return { clock, backend, provider, h };
}

describe("reconcile: create, update, delete", () => {
  it("provisions, becomes Ready, then deprovisions and releases the finalizer", async () => {
    const { backend, h } = setup();
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(findCondition(h.status!.conditions, ConditionType.Ready)?.status).toBe("True");
    expect(backend.ledger.map((j) => j.type)).toEqual(["provision"]);
    h.delete();
    await h.runUntil(() => h.finalizerReleased);
    expect(backend.ledger.map((j) => [j.type, j.state])).toEqual([
      ["provision", JobState.Succeeded],
      ["deprovision", JobState.Succeeded],
    ]);
    expect(overlappingJobs(backend.ledger)).toEqual([]);
  });

  it("waits for a running provision job before deprovisioning, canceling it (P5, E1)", async () => {
    const { backend, h, clock } = setup();
    await h.reconcile();
    clock.advance(2_000);
    h.delete();
    await h.runUntil(() => h.finalizerReleased);
    expect(backend.ledger.map((j) => [j.type, j.state])).toEqual([
      ["provision", JobState.Canceled],
      ["deprovision", JobState.Succeeded],
    ]);
    expect(overlappingJobs(backend.ledger)).toEqual([]);
    expect(h.reasons()).toContain("DeprovisionWaiting");
  });

  it("re-provisions A after A -> B -> A (E3)", async () => {
    const { backend, h } = setup();
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    const a = h.desired;
    h.setSpec({ size: 2 });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    h.setSpec({ size: 1 });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(h.desired).toBe(a);
    expect(backend.ledger.map((j) => j.configVersion)).toEqual([a, expect.any(String), a]);
    expect(latestJob(h.status!.jobs, "provision")?.configVersion).toBe(a);
  });
});

describe("reconcile: failures and crashes", () => {
  it("retries a failed provision with backoff and then succeeds", async () => {
    const { backend, h } = setup({
      provisionBackoff: { initialMs: 60_000, factor: 2, maxMs: 600_000 },
    });
    backend.scripts.provision.push(
      { outcome: "fail", durationMs: 5_000 },
      { outcome: "fail", durationMs: 5_000 },
    );
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired, 500, 1_000);
    const jobs = backend.ledger;
    expect(jobs.map((j) => j.state)).toEqual([
      JobState.Failed,
      JobState.Failed,
      JobState.Succeeded,
    ]);
    expect(jobs[1]!.createdAt - jobs[0]!.finishedAt!).toBeGreaterThanOrEqual(60_000);
    expect(jobs[2]!.createdAt - jobs[1]!.finishedAt!).toBeGreaterThanOrEqual(120_000);
    expect(latestJob(h.status!.jobs, "provision")?.attempt).toBe(3);
  });

  it("adopts a job whose launch response was lost instead of launching again (E5)", async () => {
    const { backend, provider, h } = setup();
    provider.faults.dropNextLaunchResponse = true;
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(backend.ledger).toHaveLength(1);
    expect(h.reasons()).toContain("JobAdopted");
    expect(latestJob(h.status!.jobs, "provision")?.jobId).toBe(backend.ledger[0]!.id);
  });

  it("adopts a job launched just before a crash that lost the record (E5)", async () => {
    const { backend, h } = setup();
    h.failPersist = "update";
    await expect(h.reconcile()).rejects.toThrow(/persist failed/);
    expect(backend.ledger).toHaveLength(1);
    expect(h.status?.pendingLaunch).toBeDefined();
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(backend.ledger).toHaveLength(1);
    expect(h.reasons()).toContain("JobAdopted");
  });

  it("launches nothing when the marker cannot be persisted", async () => {
    const { backend, h } = setup();
    h.failPersist = "before-launch";
    await expect(h.reconcile()).rejects.toThrow(/persist failed/);
    expect(backend.ledger).toHaveLength(0);
  });

  it("without findJob, blocks with LaunchOutcomeUnknown after a crash, then follows the resolution", async () => {
    const clock = new VirtualClock();
    const backend = new MemoryBackend(clock);
    const provider = new MemoryProvider(backend, "memory", { findJob: false });
    const h = new Harness(clock, provider);
    h.failPersist = "update";
    await expect(h.reconcile()).rejects.toThrow();
    await h.runUntil(
      () =>
        findCondition(h.status!.conditions, ConditionType.LaunchOutcomeUnknown)?.status === "True",
    );
    const result = await h.reconcile();
    expect(result.requeueAfterMs).toBeUndefined();
    expect(backend.ledger).toHaveLength(1);
    h.resolution = {
      correlationId: h.status!.pendingLaunch!.correlationId,
      jobId: backend.ledger[0]!.id,
    };
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(backend.ledger).toHaveLength(1);
    expect(findCondition(h.status!.conditions, ConditionType.LaunchOutcomeUnknown)).toBeUndefined();
  });

  it("keeps the job through transient status-read failures", async () => {
    const { backend, provider, h, clock } = setup();
    await h.reconcile();
    provider.faults.failNextStatusRead = 3;
    clock.advance(10_000);
    await h.reconcile();
    expect(latestJob(h.status!.jobs, "provision")?.statusError).toMatchObject({
      count: 1,
      message: "connection reset",
    });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(backend.ledger).toHaveLength(1);
    expect(latestJob(h.status!.jobs, "provision")?.statusError).toBeUndefined();
  });

  it("waits out a rate limit for retryAfterMs", async () => {
    const { provider, h } = setup();
    provider.faults.rateLimitNext = 1;
    provider.faults.retryAfterMs = 42_000;
    const result = await h.reconcile();
    expect(result.requeueAfterMs).toBe(42_000);
    expect(h.reasons()).toContain("RateLimited");
  });

  it("marks a purged job failed and provisions again", async () => {
    const { backend, h, clock } = setup({
      provisionBackoff: { initialMs: 1_000, factor: 2, maxMs: 1_000 },
    });
    await h.reconcile();
    backend.ledger.splice(0, 1);
    clock.advance(10_000);
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(h.reasons()).toContain("JobNotFound");
    expect(h.status!.jobs.map((j) => j.state)).toEqual([JobState.Failed, JobState.Succeeded]);
  });

  it("times a job out when the provider never reports it terminal (P3)", async () => {
    const { backend, h } = setup({
      jobTimeoutMs: 120_000,
      provisionBackoff: { initialMs: 1_000, factor: 1, maxMs: 1_000 },
    });
    backend.scripts.provision.push({ durationMs: 10 * 60_000 });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired, 500);
    expect(backend.ledger.map((j) => j.state)).toEqual([JobState.Canceled, JobState.Succeeded]);
    // Timed out, canceled, and only then retried: the record ends with the backend's outcome.
    expect(h.status!.jobs[0]).toMatchObject({ state: JobState.Canceled, reason: "Timeout" });
    expect(h.status!.jobs[0]!.awaitingEnd).toBeUndefined();
    expect(h.reasons()).toEqual(expect.arrayContaining(["JobTimedOut", "CancelRequested"]));
    expect(overlappingJobs(backend.ledger)).toEqual([]);
  });
});

describe("reconcile: spec changes while a job runs (E1)", () => {
  it("waits for the running job, then applies the new config", async () => {
    const { backend, h, clock } = setup();
    await h.reconcile();
    clock.advance(5_000);
    h.setSpec({ size: 9 });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(backend.ledger.map((j) => j.state)).toEqual([JobState.Succeeded, JobState.Succeeded]);
    expect(overlappingJobs(backend.ledger)).toEqual([]);
  });

  it("cancels the running job with the cancel policy, then applies the new config", async () => {
    const { backend, h, clock } = setup({ onSpecChangeWhileRunning: "cancel" });
    await h.reconcile();
    clock.advance(5_000);
    h.setSpec({ size: 9 });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    expect(backend.ledger.map((j) => j.state)).toEqual([JobState.Canceled, JobState.Succeeded]);
    expect(overlappingJobs(backend.ledger)).toEqual([]);
    expect(h.reasons()).toContain("CancelRequested");
  });
});

describe("reconcile: deletion outcomes (E4)", () => {
  it("keeps deletion blocked after a failed deprovision, then releases when a retry succeeds", async () => {
    const { backend, h } = setup({
      deprovisionBackoff: { initialMs: 30_000, factor: 2, maxMs: 60_000 },
    });
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    backend.scripts.deprovision.push({ outcome: "fail" }, { outcome: "fail" });
    h.delete();
    await h.runUntil(
      () => findCondition(h.status!.conditions, ConditionType.DeletionBlocked)?.status === "True",
    );
    expect(h.finalizerReleased).toBe(false);
    await h.runUntil(() => h.finalizerReleased, 500);
    const deps = backend.ledger.filter((j) => j.type === "deprovision");
    expect(deps.map((j) => j.state)).toEqual([
      JobState.Failed,
      JobState.Failed,
      JobState.Succeeded,
    ]);
    expect(deps[1]!.createdAt - deps[0]!.finishedAt!).toBeGreaterThanOrEqual(30_000);
    expect(deps[2]!.createdAt - deps[1]!.finishedAt!).toBeGreaterThanOrEqual(60_000);
  });

  it("releases after a failed deprovision that does not block deletion", async () => {
    const { backend, provider, h } = setup();
    provider.blockDeletionOnFailure = false;
    await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
    backend.scripts.deprovision.push({ outcome: "fail" });
    h.delete();
    await h.runUntil(() => h.finalizerReleased);
    expect(backend.ledger.filter((j) => j.type === "deprovision")).toHaveLength(1);
    expect(h.reasons()).toContain("DeletionAllowedAfterFailure");
  });

  it("releases at once when nothing was ever provisioned (skipped)", async () => {
    const { backend, h } = setup();
    h.delete();
    await h.runUntil(() => h.finalizerReleased);
    expect(backend.ledger).toHaveLength(0);
    expect(h.reasons()).toContain("DeprovisionSkipped");
  });

  it("deprovisions through a new provider after the old one's job ends (E6)", async () => {
    const clock = new VirtualClock();
    const backend = new MemoryBackend(clock);
    const old = new MemoryProvider(backend, "old");
    const h = new Harness(clock, old);
    await h.reconcile();
    clock.advance(2_000);
    const replacement = new MemoryProvider(backend, "new");
    h.providers = providerSet(replacement, old);
    h.delete();
    await h.runUntil(() => h.finalizerReleased);
    expect(old.calls).toContain("cancelJob");
    expect(replacement.calls).not.toContain("getProvisionStatus");
    expect(h.status!.jobs.map((j) => [j.type, j.provider, j.state])).toEqual([
      ["provision", "old", JobState.Canceled],
      ["deprovision", "new", JobState.Succeeded],
    ]);
    expect(overlappingJobs(backend.ledger)).toEqual([]);
  });
});

describe("reconcile: mayAct (observe-only)", () => {
  it("withholds a launch without persisting anything, and lets polls through", async () => {
    const clock = new VirtualClock();
    const backend = new MemoryBackend(clock);
    const provider = new MemoryProvider(backend);
    const writes: string[] = [];
    const resource = { metadata: { name: "r1", namespace: "ns" }, spec: { size: 1 } };
    const withheld = await reconcile({
      resource,
      status: undefined,
      providers: provider,
      clock: clock.read,
      mayAct: (action) => action.kind === "poll",
      persist: (_s, reason) => {
        writes.push(reason);
        return Promise.resolve();
      },
    });
    expect(withheld.withheld?.kind).toBe("launch");
    expect(withheld.steps).toBe(0);
    expect(withheld.events).toEqual([]);
    expect(writes).toEqual([]);
    expect(backend.ledger).toEqual([]);

    // Launch for real, then observe: the poll is let through and recorded.
    let status: ProvisioningStatus | undefined;
    await reconcile({
      resource,
      status: undefined,
      providers: provider,
      clock: clock.read,
      maxSteps: 1,
      persist: (s) => {
        status = s;
        return Promise.resolve();
      },
    });
    expect(backend.ledger).toHaveLength(1);
    clock.advance(60_000);
    const observed = await reconcile({
      resource,
      status,
      providers: provider,
      clock: clock.read,
      mayAct: (action) => action.kind === "poll",
      persist: (s) => {
        status = s;
        return Promise.resolve();
      },
    });
    expect(observed.withheld).toBeUndefined();
    expect(latestJob(observed.status.jobs, "provision")?.state).toBe(JobState.Succeeded);
    expect(backend.ledger).toHaveLength(1);
  });
});
