/**
 * The operator report's rule table has a row for every rule its scenarios are about and for
 * every rule a violation names: a P6 failure of a late-completion scenario shows as a failed
 * P6 row (it used to fail the scenario with no P6 row at all; issue 14).
 */
import { describe, expect, it } from "vitest";
import { formatReport } from "../src/conformance/format.js";
import { operatorRuleIds } from "../src/conformance/operator/run.js";
import { suiteReport } from "../src/conformance/runner.js";
import type { RuleId, ScenarioResult, Violation } from "../src/conformance/types.js";

function result(
  id: string,
  rules: RuleId[],
  violations: Violation[] = [],
  status: ScenarioResult["status"] = violations.length > 0 ? "failed" : "passed",
): ScenarioResult {
  return { id, title: id, rules, status, violations, durationMs: 1, virtualMs: 1, timelines: [] };
}

function report(results: ScenarioResult[]) {
  const time = { startedAt: new Date(0).toISOString(), started: performance.now() };
  const capabilities = { findJob: true, cancel: true };
  return suiteReport("operator", "op", capabilities, time, results, operatorRuleIds(results));
}

const P6 = "P6: default/w-1 was released with no teardown after provision job 1: an orphan";

describe("the operator report's rule table", () => {
  it("has a P6 row, failed where a late-completion scenario broke P6", () => {
    const r = report([
      result("create-to-ready", ["E2", "E3"]),
      result("provision-write-back-late", ["P6", "E4"], [{ rule: "P6", message: P6 }]),
    ]);
    expect(r.passed).toBe(false);
    expect(r.rules.map((row) => row.rule)).toEqual(["P6", "E1", "E2", "E3", "E4", "E5", "L1"]);
    expect(r.rules.find((row) => row.rule === "P6")).toMatchObject({
      status: "failed",
      failedIn: ["provision-write-back-late"],
      checkedIn: ["provision-write-back-late"],
    });
    expect(formatReport(r)).toContain("  P6 failed in provision-write-back-late\n");
  });

  it("has the P6 row when no scenario about P6 ran: skipped, with the reason", () => {
    const r = report([result("create-to-ready", ["E2", "E3"])]);
    expect(r.rules.find((row) => row.rule === "P6")).toMatchObject({
      status: "skipped",
      skipReason: "no scenario about it was run",
    });
  });

  it("has a row for any rule a violation names, even one no scenario declares", () => {
    const r = report([result("create-to-ready", ["E3"], [{ rule: "P3", message: "P3: stuck" }])]);
    expect(r.rules.find((row) => row.rule === "P3")).toMatchObject({
      status: "failed",
      failedIn: ["create-to-ready"],
    });
  });
});
