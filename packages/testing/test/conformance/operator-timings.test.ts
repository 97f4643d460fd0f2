/**
 * The operator's own engine options are what the operator suite runs and checks: the retry
 * backoff is checked against the configured one (no false alarm at factor 1.2, a constant
 * backoff caught), and a job timeout written in the wrong unit is caught by the long job.
 */
import { describe, expect, it } from "vitest";
import {
  FAST_ENGINE,
  operatorEngine,
  runOperatorConformance,
  type ConformanceReport,
} from "../../src/index.js";
import { dump, failures, widgetOperator } from "./widget-operator.js";

const TIMEOUT = { timeout: 120_000 };

/** The waits between each failed provision's end and the next launch, ms. */
function retryWaits(report: ConformanceReport): number[] {
  const jobs = report.scenarios[0]?.timelines[0]?.jobs.filter((j) => j.operation === "provision");
  return (jobs ?? []).slice(1).map((job, i) => job.start - (jobs?.[i]?.end ?? job.start));
}

describe("env.engine: the operator's options over the suite's fast timings", () => {
  it("merges each backoff member by member; the operator's options win", () => {
    const engine = operatorEngine({
      pollIntervalMs: 30,
      jobTimeoutMs: 60_000,
      provisionBackoff: { factor: 1.2 },
    });
    expect(engine).toEqual({
      ...FAST_ENGINE,
      pollIntervalMs: 30,
      jobTimeoutMs: 60_000,
      provisionBackoff: { initialMs: 100, maxMs: 1000, factor: 1.2 },
    });
    expect(operatorEngine()).toEqual(FAST_ENGINE);
  });

  it(
    "a correct backoff of factor 1.2 passes, and is what ran (waits of at least 150, 180, 216 ms)",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        widgetOperator({
          suite: {
            scenarios: ["failed-provision-retried"],
            engine: { provisionBackoff: { initialMs: 150, factor: 1.2 } },
          },
        }),
      );
      expect(failures(report), dump(report)).toEqual({ "failed-provision-retried": [] });
      const [first, second, third] = retryWaits(report);
      // The operator's options ran, not the fast timings' 100 ms doubling.
      expect(first).toBeGreaterThanOrEqual(150);
      expect(second).toBeGreaterThanOrEqual(180);
      expect(third).toBeGreaterThanOrEqual(216);
      expect(third).toBeLessThan(400);
    },
  );

  it("a backoff that does not grow (factor 1) fails E2, and only E2", TIMEOUT, async () => {
    const report = await runOperatorConformance(
      widgetOperator({
        suite: {
          scenarios: ["failed-provision-retried"],
          engine: { provisionBackoff: { factor: 1 } },
        },
      }),
    );
    expect(failures(report), dump(report)).toEqual({ "failed-provision-retried": ["E2"] });
    expect(report.scenarios[0]?.violations[0]?.message).toMatch(
      /^E2: conformance\/widget-1: provision retries waited \d+ ms, \d+ ms, \d+ ms after each failure: the backoff does not grow \(provisionBackoff \{ initialMs: 100, factor: 1, maxMs: 1000 \}\)/,
    );
  });

  it(
    "an operator whose backoff is not the one the suite was given fails E2 (spread over env.engine)",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        widgetOperator({
          // The suite hands the fast timings (factor 2); the operator overrides them.
          suite: { scenarios: ["failed-provision-retried"] },
          wrapEngine: (engine) => ({
            ...engine,
            provisionBackoff: { initialMs: 100, factor: 1, maxMs: 1000 },
          }),
        }),
      );
      expect(failures(report), dump(report)).toEqual({ "failed-provision-retried": ["E2"] });
      expect(report.scenarios[0]?.violations[0]?.message).toMatch(
        /sooner than the configured backoff of 200 ms \(provisionBackoff \{ initialMs: 100, factor: 2, maxMs: 1000 \}/,
      );
    },
  );

  it(
    "a job timeout written in the wrong unit (1 800 ms meant as 30 min) fails the long job on E3",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        widgetOperator({ suite: { scenarios: ["long-job"], engine: { jobTimeoutMs: 1_800 } } }),
      );
      expect(failures(report), dump(report)).toEqual({ "long-job": ["E3"] });
      expect(report.scenarios[0]?.violations.map((v) => v.message)).toContainEqual(
        expect.stringMatching(
          /^E3: conformance\/widget-1: provision job mem-1 .* was asked to cancel at \d+ ms: a job running 4000 ms was given up .*jobTimeoutMs is 1800 ms/,
        ),
      );
    },
  );
});
