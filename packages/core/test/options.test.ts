import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  DEFAULT_ENGINE_OPTIONS,
  resolveEngineOptions,
  type EngineOptionsInput,
} from "@provisionkit/core";
import { thrown } from "./support/fixtures.js";

/** The ConfigurationError thrown for `input` (fails the test when nothing is thrown). */
function rejection(input: EngineOptionsInput): ConfigurationError {
  return thrown(() => resolveEngineOptions(input), ConfigurationError);
}

describe("resolveEngineOptions", () => {
  it("fills every default", () => {
    const expected = {
      historyLimit: 10,
      pollIntervalMs: 10_000,
      minPollIntervalMs: 1_000,
      maxPollIntervalMs: 600_000,
      pollStepFraction: 0.04,
      signalSafetyNetMs: 300_000,
      provisionBackoff: { initialMs: 30_000, factor: 2, maxMs: 1_800_000 },
      deprovisionBackoff: { initialMs: 30_000, factor: 2, maxMs: 1_800_000 },
      errorBackoff: { initialMs: 5_000, factor: 2, maxMs: 300_000 },
      jobTimeoutMs: undefined,
      onSpecChangeWhileRunning: "wait",
      unknownLaunchPolicy: "block",
      pendingLaunchGraceMs: 30_000,
    };
    expect(resolveEngineOptions()).toStrictEqual(expected);
    expect(resolveEngineOptions({})).toStrictEqual(expected);
    expect({ ...DEFAULT_ENGINE_OPTIONS }).toEqual(expected);
  });

  it("keeps given values and merges a partial backoff with its defaults", () => {
    const scalars = {
      historyLimit: 3,
      pollIntervalMs: 250,
      minPollIntervalMs: 50,
      maxPollIntervalMs: 5_000,
      pollStepFraction: 1,
      signalSafetyNetMs: 60_000,
      jobTimeoutMs: 60_000,
      pendingLaunchGraceMs: 0,
      onSpecChangeWhileRunning: "cancel",
      unknownLaunchPolicy: "relaunch",
    } as const;
    const o = resolveEngineOptions({
      ...scalars,
      provisionBackoff: { initialMs: 100 },
      errorBackoff: { factor: 3, maxMs: 90_000 },
    });
    expect(o).toMatchObject(scalars);
    expect(o.provisionBackoff).toEqual({ initialMs: 100, factor: 2, maxMs: 1_800_000 });
    expect(o.deprovisionBackoff).toEqual(DEFAULT_ENGINE_OPTIONS.deprovisionBackoff);
    expect(o.errorBackoff).toEqual({ initialMs: 5_000, factor: 3, maxMs: 90_000 });
  });

  it("treats undefined members of a partial backoff as 'use the default'", () => {
    const o = resolveEngineOptions({ provisionBackoff: { initialMs: undefined, maxMs: 90_000 } });
    expect(o.provisionBackoff).toEqual({
      ...DEFAULT_ENGINE_OPTIONS.provisionBackoff,
      maxMs: 90_000,
    });
  });

  it("names NaN as NaN in its message", () => {
    expect(() => resolveEngineOptions({ pollIntervalMs: Number.NaN })).toThrow(/got NaN/);
  });

  it("keeps no job timeout when jobTimeoutMs is passed as undefined", () => {
    const o = resolveEngineOptions({ jobTimeoutMs: undefined });
    expect(o.jobTimeoutMs).toBeUndefined();
  });

  it("returns backoff objects of its own, so the defaults cannot be changed through them", () => {
    const o = resolveEngineOptions();
    o.errorBackoff.initialMs = 1;
    expect(DEFAULT_ENGINE_OPTIONS.errorBackoff.initialMs).toBe(5_000);
    expect(resolveEngineOptions().errorBackoff.initialMs).toBe(5_000);
  });

  it.each<[string, EngineOptionsInput, string]>([
    ["historyLimit 0", { historyLimit: 0 }, "historyLimit"],
    ["historyLimit 1.5", { historyLimit: 1.5 }, "historyLimit"],
    ["pollIntervalMs 0", { pollIntervalMs: 0 }, "pollIntervalMs"],
    ["pollIntervalMs NaN", { pollIntervalMs: Number.NaN }, "pollIntervalMs"],
    ["pollIntervalMs Infinity", { pollIntervalMs: Number.POSITIVE_INFINITY }, "pollIntervalMs"],
    ["negative grace", { pendingLaunchGraceMs: -1 }, "pendingLaunchGraceMs"],
    ["minPollIntervalMs 0", { minPollIntervalMs: 0 }, "minPollIntervalMs"],
    ["maxPollIntervalMs NaN", { maxPollIntervalMs: Number.NaN }, "maxPollIntervalMs"],
    ["signalSafetyNetMs -1", { signalSafetyNetMs: -1 }, "signalSafetyNetMs"],
    ["pollStepFraction 0", { pollStepFraction: 0 }, "pollStepFraction"],
    ["pollStepFraction 1.5", { pollStepFraction: 1.5 }, "pollStepFraction"],
    ["pollStepFraction NaN", { pollStepFraction: Number.NaN }, "pollStepFraction"],
    ["jobTimeoutMs 0", { jobTimeoutMs: 0 }, "jobTimeoutMs"],
    ["jobTimeoutMs -5", { jobTimeoutMs: -5 }, "jobTimeoutMs"],
    ["factor < 1", { provisionBackoff: { factor: 0.5 } }, "provisionBackoff.factor"],
    ["NaN factor", { errorBackoff: { factor: Number.NaN } }, "errorBackoff.factor"],
    ["negative initialMs", { errorBackoff: { initialMs: -1 } }, "errorBackoff.initialMs"],
    [
      "maxMs < initialMs",
      { deprovisionBackoff: { initialMs: 2_000, maxMs: 1_000 } },
      "deprovisionBackoff.maxMs",
    ],
    [
      "bad onSpecChangeWhileRunning",
      { onSpecChangeWhileRunning: "ignore" as never },
      "onSpecChangeWhileRunning",
    ],
    ["bad unknownLaunchPolicy", { unknownLaunchPolicy: "retry" as never }, "unknownLaunchPolicy"],
  ])("rejects %s, naming the option", (_label, input, option) => {
    const err = rejection(input);
    expect(err.code).toBe("CONFIGURATION");
    expect(err.message).toContain(`engine option ${option} `);
    expect(err.details).toEqual({ option });
  });
});

describe("resolveEngineOptions: what a rejection tells the user", () => {
  it.each<[string, EngineOptionsInput, string, string[]]>([
    ["pollStepFraction 1.5", { pollStepFraction: 1.5 }, "pollStepFraction", ["(0, 1]", "got 1.5"]],
    ["pollIntervalMs 0", { pollIntervalMs: 0 }, "pollIntervalMs", ["> 0", "got 0"]],
    ["a negative grace", { pendingLaunchGraceMs: -1 }, "pendingLaunchGraceMs", [">= 0", "got -1"]],
    ["factor 0.5", { provisionBackoff: { factor: 0.5 } }, "provisionBackoff.factor", [">= 1"]],
    [
      "maxMs below initialMs",
      { deprovisionBackoff: { initialMs: 2_000, maxMs: 1_000 } },
      "deprovisionBackoff.maxMs",
      ["initialMs (2000)", "got 1000"],
    ],
    [
      "a negative maxMs",
      { provisionBackoff: { initialMs: 0, maxMs: -1 } },
      "provisionBackoff.maxMs",
      [">= 0", "got -1"],
    ],
    [
      "onSpecChangeWhileRunning ignore",
      { onSpecChangeWhileRunning: "ignore" as never },
      "onSpecChangeWhileRunning",
      ['"wait"', '"cancel"', 'got "ignore"'],
    ],
    [
      "unknownLaunchPolicy retry",
      { unknownLaunchPolicy: "retry" as never },
      "unknownLaunchPolicy",
      ['"block"', '"relaunch"', 'got "retry"'],
    ],
  ])(
    "%s: names the option, what it accepts and the value given",
    (_label, input, option, parts) => {
      const err = rejection(input);
      expect(err.details).toEqual({ option });
      expect(err.message).toContain(`engine option ${option} `);
      for (const part of parts) expect(err.message).toContain(part);
    },
  );

  it("accepts a historyLimit of 1, the smallest it allows", () => {
    expect(resolveEngineOptions({ historyLimit: 1 }).historyLimit).toBe(1);
  });
});
