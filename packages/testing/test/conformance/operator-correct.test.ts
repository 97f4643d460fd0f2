/**
 * The operator conformance suite on a correct operator configuration (the default status
 * mapping, the spec as desired config): every scenario passes.
 */
import { describeOperatorConformance } from "@provisionkit/testing/vitest";
import { expect, it } from "vitest";
import { runOperatorConformance, type OperatorConformanceOptions } from "../../src/index.js";
import { widgetOperator } from "./widget-operator.js";

const correct: OperatorConformanceOptions = widgetOperator();

describeOperatorConformance("correct operator configuration", correct);

it("reports every operator rule passed, as suite operator", { timeout: 60_000 }, async () => {
  const report = await runOperatorConformance({ ...correct, scenarios: ["create-to-ready"] });
  expect(report.suite).toBe("operator");
  expect(report.passed).toBe(true);
  // P6: the late-completion scenarios are about it (a deprovision skipped after a provision).
  expect(report.rules.map((r) => r.rule)).toEqual(["P6", "E1", "E2", "E3", "E4", "E5", "L1"]);
  expect(report.rules.find((r) => r.rule === "L1")?.status).toBe("passed");
  expect(report.scenarios[0]?.timelines[0]?.jobs.map((j) => j.outcome)).toEqual(["succeeded"]);
});
