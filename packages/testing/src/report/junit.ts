/**
 * A conformance report as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub
 * test reporters) show as test results.
 *
 * @module
 */
import type { ConformanceReport, ScenarioResult } from "../conformance/types.js";
import { escapeXml } from "./escape.js";

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function testcase(report: ConformanceReport, scenario: ScenarioResult): string {
  const name = `${scenario.id}: ${scenario.title} [${scenario.rules.join(", ")}]`;
  const open =
    `    <testcase classname="${escapeXml(`${report.suite}.${report.subject}`)}" ` +
    `name="${escapeXml(name)}" time="${seconds(scenario.durationMs)}"`;
  if (scenario.status === "skipped") {
    return `${open}>\n      <skipped message="${escapeXml(scenario.skipReason ?? "skipped")}"/>\n    </testcase>`;
  }
  if (scenario.status === "passed") return `${open}/>`;
  const lines = scenario.violations.map((v) => v.message);
  if (scenario.error) lines.push(`error: ${scenario.error}`);
  if (scenario.counterexample) {
    const { seed, path, steps } = scenario.counterexample;
    lines.push(`counterexample (seed ${seed}${path ? `, path ${path}` : ""}): ${steps}`);
  }
  const first = scenario.violations[0]?.message ?? scenario.error ?? "failed";
  return (
    `${open}>\n      <failure message="${escapeXml(first)}" type="${escapeXml(scenario.violations[0]?.rule ?? "error")}">` +
    `${escapeXml(lines.join("\n"))}</failure>\n    </testcase>`
  );
}

/** The report as a JUnit XML document: one test suite, one test case per scenario. */
export function renderJunit(report: ConformanceReport): string {
  const count = (status: ScenarioResult["status"]) =>
    report.scenarios.filter((s) => s.status === status).length;
  const suite =
    `  <testsuite name="${escapeXml(`provisionkit ${report.suite} conformance: ${report.subject}`)}" ` +
    `tests="${report.scenarios.length}" failures="${count("failed")}" errors="0" ` +
    `skipped="${count("skipped")}" time="${seconds(report.durationMs)}" ` +
    `timestamp="${escapeXml(report.startedAt)}">`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<testsuites>",
    suite,
    ...report.scenarios.map((s) => testcase(report, s)),
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
