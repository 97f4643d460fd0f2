import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  JobDurationEstimator,
  JobState,
  type JobRecord,
} from "@provisionkit/core";
import { T0, iso, job, thrown } from "./support/fixtures.js";

/** A succeeded job launched at T0 + `at`, last seen running `lastRunning` ms after it, seen ended `seen` ms after it. */
function finished(
  id: string,
  lastRunning: number,
  seen: number,
  overrides: Partial<JobRecord> = {},
): JobRecord {
  return job({
    jobId: id,
    state: JobState.Succeeded,
    launchedAt: iso(T0),
    endedAfter: iso(T0 + lastRunning),
    finishedAt: iso(T0 + seen),
    updatedAt: iso(T0 + seen),
    ...overrides,
  });
}

describe("JobDurationEstimator", () => {
  it("has no estimate before a job of the kind finished", () => {
    expect(new JobDurationEstimator().estimate(job())).toBeUndefined();
  });

  it("learns when a job was last seen running, not when its end was seen (no latency learnt)", () => {
    const e = new JobDurationEstimator();
    expect(e.record(finished("a", 58_000, 68_000))).toBe(true);
    expect(e.estimate(job())).toBe(58_000);
  });

  it("counts a job seen ended at its first read as upperBoundFactor of that time", () => {
    const e = new JobDurationEstimator();
    e.record(finished("a", 0, 40_000));
    expect(e.estimate(job())).toBe(30_000);
    const f = new JobDurationEstimator({ upperBoundFactor: 0.5 });
    f.record(finished("a", 0, 40_000));
    expect(f.estimate(job())).toBe(20_000);
  });

  it("gives the median of a recent window: one outlier does not move it", () => {
    const e = new JobDurationEstimator({ window: 5 });
    for (const [i, d] of [60_000, 61_000, 59_000, 3_600_000, 60_500].entries()) {
      e.record(finished(`j${i}`, d, d + 1_000));
    }
    expect(e.estimate(job())).toBe(60_500);
    // The window moves on: five jobs of 10 s replace the older ones.
    for (let i = 0; i < 5; i++) e.record(finished(`k${i}`, 10_000 + i, 11_000 + i));
    expect(e.estimate(job())).toBe(10_002);
  });

  it("gives a configured high quantile", () => {
    const e = new JobDurationEstimator({ quantile: 0.9 });
    for (let i = 1; i <= 10; i++) e.record(finished(`j${i}`, i * 1_000, i * 1_000 + 500));
    expect(e.estimate(job())).toBe(9_000);
  });

  it("learns only from succeeded jobs that ran their course, once each", () => {
    const e = new JobDurationEstimator();
    expect(e.record(finished("f", 5_000, 6_000, { state: JobState.Failed }))).toBe(false);
    expect(e.record(finished("c", 5_000, 6_000, { cancelRequestedAt: iso(T0 + 1) }))).toBe(false);
    expect(e.record(finished("t", 5_000, 6_000, { awaitingEnd: true }))).toBe(false);
    expect(e.record(finished("r", 5_000, 6_000, { reason: "Timeout" }))).toBe(false);
    expect(e.record(job({ state: JobState.Succeeded, finishedAt: iso(T0 + 5) }))).toBe(false); // adopted: no endedAfter
    expect(e.record(finished("x", 5_000, 6_000, { launchedAt: "not a time" }))).toBe(false);
    expect(e.record(finished("z", 0, 0))).toBe(false);
    expect(e.estimate(job())).toBeUndefined();
    expect(e.record(finished("ok", 5_000, 6_000))).toBe(true);
    expect(e.record(finished("ok", 5_000, 6_000))).toBe(false);
  });

  it("keeps (provider, type) apart and falls back from a finer kind to them", () => {
    const e = new JobDurationEstimator({ kindOf: (j) => j.configVersion });
    e.record(finished("a", 60_000, 61_000, { configVersion: "v1" }));
    e.record(finished("b", 20_000, 21_000, { configVersion: "v2" }));
    expect(e.estimate(job({ configVersion: "v1" }))).toBe(60_000);
    expect(e.estimate(job({ configVersion: "v2" }))).toBe(20_000);
    // The (lower) median of (provider, type).
    expect(e.estimate(job({ configVersion: "v3" }))).toBe(20_000);
    expect(e.estimate(job({ type: "deprovision" }))).toBeUndefined();
    expect(e.estimate(job({ provider: "other" }))).toBeUndefined();
  });

  it("bounds its memory: at most maxKinds kinds, the least recently used forgotten", () => {
    const e = new JobDurationEstimator({ maxKinds: 2 });
    e.record(finished("a", 1_000, 1_200, { provider: "p1" }));
    e.record(finished("b", 1_000, 1_200, { provider: "p2" }));
    e.record(finished("c", 1_000, 1_200, { provider: "p3" }));
    expect(e.kinds).toBe(2);
    expect(e.estimate(job({ provider: "p1" }))).toBeUndefined();
    expect(e.estimate(job({ provider: "p3" }))).toBe(1_000);
  });

  it("with a window of 1 estimates from the last job alone", () => {
    const e = new JobDurationEstimator({ window: 1 });
    e.record(finished("a", 60_000, 61_000));
    expect(e.estimate(job())).toBe(60_000);
    e.record(finished("b", 20_000, 21_000));
    expect(e.estimate(job())).toBe(20_000);
  });

  it("with a maxKinds of 1 remembers the last kind only", () => {
    const e = new JobDurationEstimator({ maxKinds: 1 });
    e.record(finished("a", 1_000, 1_200, { provider: "p1" }));
    e.record(finished("b", 2_000, 2_200, { provider: "p2" }));
    expect(e.kinds).toBe(1);
    expect(e.estimate(job({ provider: "p1" }))).toBeUndefined();
    expect(e.estimate(job({ provider: "p2" }))).toBe(2_000);
  });

  it("with a quantile of 1 gives the longest recent job", () => {
    const e = new JobDurationEstimator({ quantile: 1 });
    for (const [i, d] of [30_000, 90_000, 60_000].entries()) {
      e.record(finished(`j${i}`, d, d + 1_000));
    }
    expect(e.estimate(job())).toBe(90_000);
  });

  it("learns nothing from a succeeded job whose last running instant is unreadable", () => {
    const e = new JobDurationEstimator();
    expect(e.record(finished("b", 5_000, 6_000, { endedAfter: "not a time" }))).toBe(false);
    expect(e.estimate(job())).toBeUndefined();
  });

  it("without kindOf keeps one estimate per (provider, type) for every finer kind", () => {
    const e = new JobDurationEstimator();
    e.record(finished("a", 60_000, 61_000, { configVersion: "v1" }));
    e.record(finished("b", 20_000, 21_000, { configVersion: "v2" }));
    e.record(finished("c", 40_000, 41_000, { configVersion: "v2" }));
    expect(e.kinds).toBe(1);
    expect(e.estimate(job({ configVersion: "v1" }))).toBe(40_000);
  });

  it("with a kindOf that gives no kind for a job learns and estimates it by (provider, type)", () => {
    const e = new JobDurationEstimator({
      kindOf: (j) => (j.configVersion === "v1" ? "small" : undefined),
    });
    e.record(finished("a", 60_000, 61_000, { configVersion: "v1" }));
    e.record(finished("b", 20_000, 21_000, { configVersion: "v2" }));
    expect(e.kinds).toBe(2);
    expect(e.estimate(job({ configVersion: "v1" }))).toBe(60_000);
    expect(e.estimate(job({ configVersion: "v2" }))).toBe(20_000);
  });

  it.each([
    [{ window: 0 }, "window", "0"],
    [{ maxKinds: 1.5 }, "maxKinds", "1.5"],
    [{ quantile: 1.5 }, "quantile", "1.5"],
    [{ upperBoundFactor: 0 }, "upperBoundFactor", "0"],
    [{ upperBoundFactor: -0.5 }, "upperBoundFactor", "-0.5"],
  ])("rejects %o, the message naming the option and the value given", (options, name, value) => {
    const error = thrown(() => new JobDurationEstimator(options), ConfigurationError);
    expect(error.details).toEqual({ option: name });
    expect(error.message).toContain(name);
    expect(error.message).toContain(`got ${value}`);
  });

  it.each([
    [{ window: 0 }, "window"],
    [{ maxKinds: 1.5 }, "maxKinds"],
    [{ quantile: 0 }, "quantile"],
    [{ quantile: Number.NaN }, "quantile"],
    [{ upperBoundFactor: 1 }, "upperBoundFactor"],
  ])("rejects %o, naming the option", (options, name) => {
    const error = thrown(() => new JobDurationEstimator(options), ConfigurationError);
    expect(error.details).toEqual({ option: name });
  });
});
