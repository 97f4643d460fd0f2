/**
 * Proven sharp: each deliberately broken provider fails the suite on exactly the rules it
 * breaks (and the consequences named in BROKEN), with messages starting with the rule id;
 * a provider that omits the version (legal under P4) passes.
 */
import { describe, expect, it } from "vitest";
import {
  formatScenarioFailure,
  runConformance,
  type ConformanceReport,
  type RuleId,
} from "../../src/index.js";
import { BROKEN, OmitsVersion, brokenBackend } from "./broken-providers.js";

function failedRules(report: ConformanceReport): RuleId[] {
  return report.rules.filter((r) => r.status === "failed").map((r) => r.rule);
}

describe("broken providers fail on their rule, and only there", { timeout: 120_000 }, () => {
  for (const broken of BROKEN) {
    it(`a provider that ${broken.name} fails ${broken.rules.join(" and ")}`, async () => {
      const report = await runConformance({ backend: brokenBackend(broken.make) });
      expect(report.passed).toBe(false);
      expect(failedRules(report)).toEqual(broken.rules);
      for (const scenario of report.scenarios) {
        expect(scenario.error, `${scenario.id}: ${scenario.error ?? ""}`).toBeUndefined();
        for (const violation of scenario.violations) {
          expect(broken.rules).toContain(violation.rule);
          expect(violation.message.startsWith(violation.rule)).toBe(true);
        }
      }
    });
  }

  it("a provider that omits reconciledVersion (legal under P4) passes", async () => {
    const report = await runConformance({ backend: brokenBackend(OmitsVersion) });
    expect(failedRules(report)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it("a failing randomized run reports its seed, path and shrunk steps", async () => {
    const [ignores] = BROKEN;
    if (!ignores) throw new Error("no broken provider");
    const report = await runConformance({
      backend: brokenBackend(ignores.make),
      scenarios: ["randomized-interleavings"],
      seed: 7,
    });
    const result = report.scenarios[0];
    expect(result?.status).toBe("failed");
    expect(result?.counterexample?.seed).toBe(7);
    expect(result?.counterexample?.path).toMatch(/^\d+(:\d+)*$/);
    expect(result?.counterexample?.steps).toContain('"kind":"delete"');
    const text = result ? formatScenarioFailure(result) : "";
    expect(text).toContain("counterexample (seed 7");
    expect(text).toMatch(/^\s+P5: /m);
  });
});
