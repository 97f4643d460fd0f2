import { describe, expect, it } from "vitest";
import { ConditionType, JobState, findCondition, latestJob } from "@provisionkit/core";
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
