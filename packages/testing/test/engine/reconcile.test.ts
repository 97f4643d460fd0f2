/**
 * The lifecycle engine's `reconcile` driven through whole lifecycles (create, update,
 * delete, failures, crashes, spec changes, deletion outcomes, provider switches) on the
 * conformance suite's reference memory backend, with E1 judged by the suite's own check.
 */
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  JobState,
  findCondition,
  latestJob,
  providerSet,
  reconcile,
  resolveEngineOptions,
  type EngineOptionsInput,
  type Provider,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { VirtualClock } from "../../src/clock.js";
import { checkE1 } from "../../src/conformance/checks/e1.js";
import { recordingProvider } from "../../src/conformance/driver/recorder.js";
import { emptyTrace, type CallRecord } from "../../src/conformance/driver/trace.js";
import { MemoryBackend, MemoryProvider, type MemoryProviderOptions } from "../../src/index.js";
import { Harness } from "./support/harness.js";
import { harnessTrace, violations } from "./support/trace.js";

function setup(options: EngineOptionsInput = {}, providerOptions: MemoryProviderOptions = {}) {
  const clock = new VirtualClock();
  const backend = new MemoryBackend({ clock });
  const provider = new MemoryProvider(backend, providerOptions);
  const h = new Harness(clock, provider, options);
  /** The resource's jobs in the backend, oldest first. */
  const jobs = () => backend.jobsFor(h.key);
  return {
    clock,
    backend,
    provider,
    h,
    jobs,
    /** Run until the current spec is reconciled. */
    applied: (maxRounds?: number, idleStepMs?: number) =>
      h.runUntil(() => h.status?.reconciledConfigVersion === h.desired, maxRounds, idleStepMs),
    /** Run until the finalizer is released. */
    released: (maxRounds?: number) => h.runUntil(() => h.finalizerReleased, maxRounds),
    /** `[operation, state]` of each of the resource's jobs in the backend. */
    states: () => jobs().map((j) => [j.operation, j.state]),
    /** E1 violations so far. */
    overlaps: () => e1(h, backend),
  };
}

/** E1 as the conformance suite checks it, on the harness's run so far. */
function e1(h: Harness, backend: MemoryBackend): string[] {
  const trace = emptyTrace(h.clock.now(), resolveEngineOptions(), { findJob: true, cancel: true });
  return violations(harnessTrace(h, backend, trace, false), [checkE1]);
}

/** `provider`, with the methods the engine calls on it recorded in `calls`. */
function recorded(provider: Provider, clock: VirtualClock, backend: MemoryBackend) {
  const calls: CallRecord[] = [];
  const wrapped = recordingProvider(provider, {
    process: "p1",
    now: () => clock.now(),
    ledger: () => backend.ledger(),
    jitter: () => 0,
    nextSeq: () => calls.length + 1,
    push: (call) => calls.push(call),
  });
  return { provider: wrapped, methods: () => calls.map((c) => c.method) };
}

describe("reconcile: create, update, delete", () => {
  it("provisions, becomes Ready, then deprovisions and releases the finalizer", async () => {
    const { h, jobs, applied, released, states, overlaps } = setup();
    await applied();
    expect(findCondition(h.status!.conditions, ConditionType.Ready)?.status).toBe("True");
    expect(jobs().map((j) => j.operation)).toEqual(["provision"]);
    h.delete();
    await released();
    expect(states()).toEqual([
      ["provision", JobState.Succeeded],
      ["deprovision", JobState.Succeeded],
    ]);
    expect(overlaps()).toEqual([]);
  });

  it("waits for a running provision job before deprovisioning, canceling it (P5, E1)", async () => {
    const { clock, h, released, states, overlaps } = setup();
    await h.reconcile();
    clock.advance(2_000);
    h.delete();
    await released();
    expect(states()).toEqual([
      ["provision", JobState.Canceled],
      ["deprovision", JobState.Succeeded],
    ]);
    expect(overlaps()).toEqual([]);
    expect(h.reasons()).toContain("DeprovisionWaiting");
  });

  it("re-provisions A after A -> B -> A (E3)", async () => {
    const { h, jobs, applied } = setup();
    await applied();
    const a = h.desired;
    h.setSpec({ size: 2 });
    await applied();
    h.setSpec({ size: 1 });
    await applied();
    expect(h.desired).toBe(a);
    expect(jobs().map((j) => j.configVersion)).toEqual([a, expect.any(String), a]);
    expect(latestJob(h.status!.jobs, "provision")?.configVersion).toBe(a);
  });
});

describe("reconcile: failures and crashes", () => {
  it("retries a failed provision with backoff and then succeeds", async () => {
    const { backend, h, jobs, applied } = setup({
      provisionBackoff: { initialMs: 60_000, factor: 2, maxMs: 600_000 },
    });
    backend.scriptNext("provision", { outcome: "failed", durationMs: 5_000 });
    backend.scriptNext("provision", { outcome: "failed", durationMs: 5_000 });
    await applied(500, 1_000);
    const all = jobs();
    expect(all.map((j) => j.state)).toEqual([JobState.Failed, JobState.Failed, JobState.Succeeded]);
    expect(all[1]!.createdAt - all[0]!.finishedAt!).toBeGreaterThanOrEqual(60_000);
    expect(all[2]!.createdAt - all[1]!.finishedAt!).toBeGreaterThanOrEqual(120_000);
    expect(latestJob(h.status!.jobs, "provision")?.attempt).toBe(3);
  });

  it("adopts a job whose launch response was lost instead of launching again (E5)", async () => {
    const { backend, h, jobs, applied } = setup();
    backend.loseNextAnswer("provision");
    await applied();
    expect(jobs()).toHaveLength(1);
    expect(h.reasons()).toContain("JobAdopted");
    expect(latestJob(h.status!.jobs, "provision")?.jobId).toBe(jobs()[0]!.id);
  });

  it("adopts a job launched just before a crash that lost the record (E5)", async () => {
    const { h, jobs, applied } = setup();
    h.failPersist = "update";
    await expect(h.reconcile()).rejects.toThrow(/persist failed/);
    expect(jobs()).toHaveLength(1);
    expect(h.status?.pendingLaunch).toBeDefined();
    await applied();
    expect(jobs()).toHaveLength(1);
    expect(h.reasons()).toContain("JobAdopted");
  });

  it("launches nothing when the marker cannot be persisted", async () => {
    const { h, jobs } = setup();
    h.failPersist = "before-launch";
    await expect(h.reconcile()).rejects.toThrow(/persist failed/);
    expect(jobs()).toHaveLength(0);
  });

  it("without findJob, blocks with LaunchOutcomeUnknown after a crash, then follows the resolution", async () => {
    const { h, jobs, applied } = setup({}, { findJob: false });
    h.failPersist = "update";
    await expect(h.reconcile()).rejects.toThrow();
    await h.runUntil(
      () =>
        findCondition(h.status!.conditions, ConditionType.LaunchOutcomeUnknown)?.status === "True",
    );
    const result = await h.reconcile();
    expect(result.requeueAfterMs).toBeUndefined();
    expect(jobs()).toHaveLength(1);
    h.resolution = {
      correlationId: h.status!.pendingLaunch!.correlationId,
      jobId: jobs()[0]!.id,
    };
    await applied();
    expect(jobs()).toHaveLength(1);
    expect(findCondition(h.status!.conditions, ConditionType.LaunchOutcomeUnknown)).toBeUndefined();
  });

  it("keeps the job through transient status-read failures", async () => {
    const { clock, backend, h, jobs, applied } = setup();
    await h.reconcile();
    backend.failNext(3, "reads");
    clock.advance(10_000);
    await h.reconcile();
    expect(latestJob(h.status!.jobs, "provision")?.statusError).toMatchObject({
      count: 1,
      message: "the memory backend is unavailable (503)",
    });
    await applied();
    expect(jobs()).toHaveLength(1);
    expect(latestJob(h.status!.jobs, "provision")?.statusError).toBeUndefined();
  });

  it("waits out a rate limit for retryAfterMs", async () => {
    const { backend, h } = setup();
    backend.rateLimitNext(1, 42_000);
    const result = await h.reconcile();
    expect(result.requeueAfterMs).toBe(42_000);
    expect(h.reasons()).toContain("RateLimited");
  });

  it("marks a purged job failed and provisions again", async () => {
    const { clock, backend, h, jobs, applied } = setup({
      provisionBackoff: { initialMs: 1_000, factor: 2, maxMs: 1_000 },
    });
    await h.reconcile();
    backend.purge(jobs()[0]!.id);
    clock.advance(10_000);
    await applied();
    expect(h.reasons()).toContain("JobNotFound");
    expect(h.status!.jobs.map((j) => j.state)).toEqual([JobState.Failed, JobState.Succeeded]);
  });

  it("times a job out when the provider never reports it terminal (P3)", async () => {
    const { backend, h, jobs, applied, overlaps } = setup({
      jobTimeoutMs: 120_000,
      provisionBackoff: { initialMs: 1_000, factor: 1, maxMs: 1_000 },
    });
    backend.scriptNext("provision", { durationMs: 10 * 60_000 });
    await applied(500);
    expect(jobs().map((j) => j.state)).toEqual([JobState.Canceled, JobState.Succeeded]);
    // Timed out, canceled, and only then retried: the record ends with the backend's outcome.
    expect(h.status!.jobs[0]).toMatchObject({ state: JobState.Canceled, reason: "Timeout" });
    expect(h.status!.jobs[0]!.awaitingEnd).toBeUndefined();
    expect(h.reasons()).toEqual(expect.arrayContaining(["JobTimedOut", "CancelRequested"]));
    expect(overlaps()).toEqual([]);
  });
});

describe("reconcile: spec changes while a job runs (E1)", () => {
  it("waits for the running job, then applies the new config", async () => {
    const { clock, h, jobs, applied, overlaps } = setup();
    await h.reconcile();
    clock.advance(5_000);
    h.setSpec({ size: 9 });
    await applied();
    expect(jobs().map((j) => j.state)).toEqual([JobState.Succeeded, JobState.Succeeded]);
    expect(overlaps()).toEqual([]);
  });

  it("cancels the running job with the cancel policy, then applies the new config", async () => {
    const { clock, h, jobs, applied, overlaps } = setup({ onSpecChangeWhileRunning: "cancel" });
    await h.reconcile();
    clock.advance(5_000);
    h.setSpec({ size: 9 });
    await applied();
    expect(jobs().map((j) => j.state)).toEqual([JobState.Canceled, JobState.Succeeded]);
    expect(overlaps()).toEqual([]);
    expect(h.reasons()).toContain("CancelRequested");
  });
});

describe("reconcile: deletion outcomes (E4)", () => {
  it("keeps deletion blocked after a failed deprovision, then releases when a retry succeeds", async () => {
    const { backend, h, jobs, applied, released } = setup({
      deprovisionBackoff: { initialMs: 30_000, factor: 2, maxMs: 60_000 },
    });
    await applied();
    backend.scriptNext("deprovision", { outcome: "failed" });
    backend.scriptNext("deprovision", { outcome: "failed" });
    h.delete();
    await h.runUntil(
      () => findCondition(h.status!.conditions, ConditionType.DeletionBlocked)?.status === "True",
    );
    expect(h.finalizerReleased).toBe(false);
    await released(500);
    const deps = jobs().filter((j) => j.operation === "deprovision");
    expect(deps.map((j) => j.state)).toEqual([
      JobState.Failed,
      JobState.Failed,
      JobState.Succeeded,
    ]);
    expect(deps[1]!.createdAt - deps[0]!.finishedAt!).toBeGreaterThanOrEqual(30_000);
    expect(deps[2]!.createdAt - deps[1]!.finishedAt!).toBeGreaterThanOrEqual(60_000);
  });

  it("releases after a failed deprovision that does not block deletion", async () => {
    const { backend, h, jobs, applied, released } = setup({}, { blockDeletionOnFailure: false });
    await applied();
    backend.scriptNext("deprovision", { outcome: "failed" });
    h.delete();
    await released();
    expect(jobs().filter((j) => j.operation === "deprovision")).toHaveLength(1);
    expect(h.reasons()).toContain("DeletionAllowedAfterFailure");
  });

  it("releases at once when nothing was ever provisioned (skipped)", async () => {
    const { h, jobs, released } = setup();
    h.delete();
    await released();
    expect(jobs()).toHaveLength(0);
    expect(h.reasons()).toContain("DeprovisionSkipped");
  });

  it("deprovisions through a new provider after the old one's job ends (E6)", async () => {
    const clock = new VirtualClock();
    const backend = new MemoryBackend({ clock });
    const old = recorded(new MemoryProvider(backend, { name: "old" }), clock, backend);
    const h = new Harness(clock, old.provider);
    await h.reconcile();
    clock.advance(2_000);
    const replacement = recorded(new MemoryProvider(backend, { name: "new" }), clock, backend);
    h.providers = providerSet(replacement.provider, old.provider);
    h.delete();
    await h.runUntil(() => h.finalizerReleased);
    expect(old.methods()).toContain("cancelJob");
    expect(replacement.methods()).not.toContain("getProvisionStatus");
    expect(h.status!.jobs.map((j) => [j.type, j.provider, j.state])).toEqual([
      ["provision", "old", JobState.Canceled],
      ["deprovision", "new", JobState.Succeeded],
    ]);
    expect(e1(h, backend)).toEqual([]);
  });
});

describe("reconcile: mayAct (observe-only)", () => {
  it("withholds a launch without persisting anything, and lets polls through", async () => {
    const { clock, backend, provider, jobs } = setup();
    const writes: string[] = [];
    const resource = { metadata: { name: "r1", namespace: "ns" }, spec: { size: 1 } };
    const withheld = await reconcile({
      resource,
      status: undefined,
      providers: provider,
      clock: () => clock.now(),
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
    expect(backend.ledger()).toEqual([]);

    // Launch for real, then observe: the poll is let through and recorded.
    let status: ProvisioningStatus | undefined;
    await reconcile({
      resource,
      status: undefined,
      providers: provider,
      clock: () => clock.now(),
      maxSteps: 1,
      persist: (s) => {
        status = s;
        return Promise.resolve();
      },
    });
    expect(jobs()).toHaveLength(1);
    clock.advance(60_000);
    const observed = await reconcile({
      resource,
      status,
      providers: provider,
      clock: () => clock.now(),
      mayAct: (action) => action.kind === "poll",
      persist: (s) => {
        status = s;
        return Promise.resolve();
      },
    });
    expect(observed.withheld).toBeUndefined();
    expect(latestJob(observed.status.jobs, "provision")?.state).toBe(JobState.Succeeded);
    expect(jobs()).toHaveLength(1);
  });
});
