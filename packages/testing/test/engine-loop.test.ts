import { JobDurationEstimator, type ResourceObject } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  MemoryBackend,
  MemoryProvider,
  VirtualClock,
  driveEngine,
  type EngineState,
} from "../src/index.js";

const widget = (): ResourceObject => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w1", namespace: "default", uid: "uid-w1", generation: 1 },
  spec: { size: 1 },
});

function world() {
  const clock = new VirtualClock();
  const backend = new MemoryBackend({ clock, defaultDurationMs: 12_000 });
  const provider = new MemoryProvider(backend);
  const state: EngineState = { status: undefined };
  return { clock, backend, provider, state };
}

describe("driveEngine", () => {
  it("reconciles on the virtual clock until the condition holds, keeping the status", async () => {
    const { clock, backend, provider, state } = world();
    const start = clock.now();
    let rounds = 0;
    const result = await driveEngine({
      provider,
      resource: widget,
      state,
      clock,
      until: (r) => r.status.reconciledConfigVersion !== undefined,
      beforeRound: () => rounds++,
      engine: { pollIntervalMs: 5000 },
    });
    expect(result.status.reconciledConfigVersion).toBeDefined();
    expect(state.status).toEqual(result.status);
    // One 12 s job, polled every 5 s: the clock moved by whole requeues, at least the job's length.
    expect(clock.now() - start).toBeGreaterThanOrEqual(12_000);
    expect(rounds).toBeGreaterThan(1);
    expect(backend.jobsFor("default/w1").map((j) => j.operation)).toEqual(["provision"]);
  });

  it("continues from the state of an earlier loop, with fresh correlation ids", async () => {
    const { clock, backend, provider, state } = world();
    const ready = (r: { status: { reconciledConfigVersion?: string } }) =>
      r.status.reconciledConfigVersion !== undefined;
    await driveEngine({ provider, resource: widget(), state, clock, until: ready });
    const released = await driveEngine({
      provider,
      resource: widget(),
      state,
      clock,
      deleting: true,
      until: (r) => r.finalizer === "release",
    });
    expect(released.finalizer).toBe("release");
    const jobs = backend.jobsFor("default/w1");
    expect(jobs.map((j) => j.operation)).toEqual(["provision", "deprovision"]);
    expect(new Set(jobs.map((j) => j.correlationId)).size).toBe(2);
  });

  it("with an estimator, learns a job's duration and reads the next one of its kind at its expected end", async () => {
    const { clock, provider } = world();
    let reads = 0;
    const read = provider.getProvisionStatus.bind(provider);
    provider.getProvisionStatus = (...args) => {
      reads++;
      return read(...args);
    };
    const estimator = new JobDurationEstimator();
    const ready = (r: { status: { reconciledConfigVersion?: string } }) =>
      r.status.reconciledConfigVersion !== undefined;
    const run = async (name: string) => {
      reads = 0;
      const resource = {
        ...widget(),
        metadata: { ...widget().metadata, name, uid: `uid-${name}` },
      };
      const state: EngineState = { status: undefined };
      const start = clock.now();
      await driveEngine({ provider, resource, state, clock, until: ready, estimator });
      return { reads, took: clock.now() - start };
    };
    const first = await run("w1");
    expect(estimator.kinds).toBe(1);
    const second = await run("w2");
    // No history: doubling from 1 s (1, 2, 4, 8, 16 s); then one read at the learnt end and one step.
    expect(first.reads).toBe(5);
    expect(second.reads).toBeLessThanOrEqual(2);
    expect(second.took).toBeLessThan(first.took);
  });

  it("fails naming the round limit when the condition never holds", async () => {
    const { clock, provider, state } = world();
    await expect(
      driveEngine({ provider, resource: widget(), state, clock, until: () => false, maxRounds: 3 }),
    ).rejects.toThrow("the engine did not reach the expected state in 3 rounds");
  });
});
