/**
 * The operator suite's soak: a correct operator passes it with every figure at zero, and a
 * broken provider or configuration fails it on the rule it breaks, with the figure that
 * counts it.
 */
import { defaultStatusMapping, type StatusMapping } from "@provisionkit/core/kubernetes";
import { describe, expect, it } from "vitest";
import {
  formatReport,
  runOperatorConformance,
  type ConformanceReport,
  type OperatorConformanceOptions,
  type OperatorSoakOptions,
} from "../../src/index.js";
import { brokenBackend, IgnoresRunningProvision } from "./broken-providers.js";
import { dump, widgetOperator } from "./widget-operator.js";

const TIMEOUT = { timeout: 180_000 };

/**
 * The Widget operator for a soak. Its informer restarts a dropped watch after 50 ms (not the
 * default 1 s): the soak drops watches, and E3 wants the reconciled version within 1.5 s.
 */
function soaked(
  soak: OperatorSoakOptions,
  changes: Parameters<typeof widgetOperator>[0] = {},
): OperatorConformanceOptions {
  return widgetOperator({
    ...changes,
    controller: { watchRestartBackoff: { initialMs: 50, maxMs: 500 }, ...changes.controller },
    suite: { ...changes.suite, soak },
  });
}

function rulesOf(report: ConformanceReport): string[] {
  return [...new Set(report.scenarios.flatMap((s) => s.violations.map((v) => v.rule)))].sort();
}

/** Reads back no job history: every reconcile launches again. */
const forgetsJobs: StatusMapping = {
  read(resource) {
    const status = defaultStatusMapping().read(resource);
    return status && { ...status, jobs: [] };
  },
  write: (resource, status) => defaultStatusMapping().write(resource, status),
};

describe("the operator soak", () => {
  it(
    "a correct operator: every lifecycle ends, faults of each Kubernetes kind fired, all figures 0",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        soaked({ lifecycles: 16, faultRate: 0.05, seed: 7 }),
      );
      expect(report.passed, dump(report)).toBe(true);
      expect(report.scenarios.map((s) => s.id)).toEqual(["soak"]);
      const soak = report.soak!;
      expect(soak).toMatchObject({
        lifecycles: 16,
        completed: 16,
        seed: 7,
        faultRate: 0.05,
        duplicates: 0,
        overlaps: 0,
        orphans: 0,
        stuck: 0,
        wrongVersions: 0,
        lateCalls: 0,
        untypedErrors: 0,
        violations: 0,
      });
      // The memory backend has no injectFaults: the Kubernetes kinds only.
      expect(Object.keys(soak.faults).sort()).toEqual([
        "kube-409",
        "kube-5xx",
        "kube-compact",
        "kube-watch-drop",
      ]);
      expect(soak.faultsInjected).toBeGreaterThan(0);
      expect(soak.controllers.started).toBeGreaterThan(1);
      expect(soak.jobs.deprovision).toBe(16);
      expect(soak.peakHeapBytes).toBeGreaterThan(0);
      // The event loop the controllers, simulators and suite share was measured while it ran.
      expect(soak.eventLoopDelayMs.max).toBeGreaterThan(0);
      expect(soak.eventLoopDelayMs.p99).toBeLessThanOrEqual(soak.eventLoopDelayMs.max);
      expect(formatReport(report)).toMatch(/event loop delay p99 \d+ ms, max \d+ ms/);
      expect(formatReport(report)).toMatch(/soak: 16\/16 lifecycles .* seed 7/);
    },
  );

  it(
    "a provider that deprovisions while the provision job runs fails on E1, counted as overlaps",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        soaked(
          { lifecycles: 12, faultRate: 0.05, seed: 7, lifecycleTimeoutMs: 5_000 },
          { suite: { backend: brokenBackend(IgnoresRunningProvision) } },
        ),
      );
      expect(report.passed).toBe(false);
      expect(rulesOf(report)).toContain("E1");
      expect(report.soak!.overlaps).toBeGreaterThan(0);
      const message = report.scenarios[0]!.violations.find((v) => v.rule === "E1")!.message;
      expect(message).toMatch(
        /^E1: conformance\/soak-\d+: provision job .* and deprovision job .* were active together$/,
      );
    },
  );

  it(
    "a status mapping that reads back no job history fails on duplicates (E2)",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        soaked(
          { lifecycles: 8, faultRate: 0, seed: 3, lifecycleTimeoutMs: 5_000 },
          { controller: { statusMapping: forgetsJobs } },
        ),
      );
      expect(report.passed).toBe(false);
      expect(rulesOf(report)).toContain("E2");
      expect(report.soak!.duplicates).toBeGreaterThan(0);
      expect(report.soak!.faultsInjected).toBe(0);
    },
  );

  it("refuses options that are not numbers it can use", async () => {
    const bad = (soak: Partial<OperatorSoakOptions>) =>
      runOperatorConformance(soaked({ lifecycles: 1, faultRate: 0, seed: 1, ...soak }));
    await expect(bad({ lifecycles: 0 })).rejects.toThrow(
      /soak.lifecycles must be a positive integer/,
    );
    await expect(bad({ faultRate: 1.5 })).rejects.toThrow(/soak.faultRate must be in \[0, 1\]/);
    await expect(bad({ seed: 0.5 })).rejects.toThrow(/soak.seed must be a safe integer/);
  });
});
