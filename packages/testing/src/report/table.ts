/**
 * A conformance report as a plain-text table for terminals and CI logs.
 *
 * @module
 */
import { formatSoakFigures } from "../conformance/format.js";
import type { ConformanceReport, RuleStatus } from "../conformance/types.js";

const MARK: Readonly<Record<RuleStatus, string>> = {
  passed: "pass",
  failed: "FAIL",
  skipped: "skip",
  inconclusive: "????",
};

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}

/** One line per scenario, one per rule, then every violation and skip reason. */
export function renderTable(report: ConformanceReport): string {
  const scenarioRows = [
    ["", "scenario", "rules", "virtual", "real"],
    ...report.scenarios.map((s) => [
      MARK[s.status],
      s.id,
      s.rules.join(" "),
      `${(s.virtualMs / 1000).toFixed(0)} s`,
      `${s.durationMs} ms`,
    ]),
  ];
  const ruleRows = [
    ["", "rule", "failed in / inconclusive or skipped because"],
    ...report.rules.map((r) => [
      MARK[r.status],
      r.rule,
      r.status === "failed" ? r.failedIn.join(", ") : (r.skipReason ?? ""),
    ]),
  ];
  const details: string[] = [];
  for (const s of report.scenarios) {
    if (s.status === "skipped") details.push(`skip ${s.id}: ${s.skipReason ?? ""}`);
    for (const v of s.violations) details.push(`FAIL ${s.id}: ${v.message}`);
    if (s.error) details.push(`FAIL ${s.id}: error: ${s.error}`);
    for (const e of s.providerErrors ?? []) {
      const code = e.code === undefined ? "" : ` ${e.code}`;
      details.push(
        `     ${s.id}: provider error: ${e.method} for ${e.resourceKey} at t+${e.at / 1000}s threw ${e.name}${code} (${e.count}x): ${e.message}`,
      );
    }
    if (s.counterexample) {
      const { seed, path, steps } = s.counterexample;
      details.push(
        `     ${s.id}: counterexample seed=${seed}${path ? ` path=${path}` : ""}: ${steps}`,
      );
    }
  }
  const counts = (["passed", "failed", "skipped"] as const)
    .map((status) => `${report.scenarios.filter((s) => s.status === status).length} ${status}`)
    .join(", ");
  return [
    `provisionkit ${report.suite} conformance: ${report.subject}`,
    "",
    ...pad(scenarioRows),
    "",
    ...pad(ruleRows),
    ...(details.length > 0 ? ["", ...details] : []),
    ...(report.soak ? ["", formatSoakFigures(report.soak).replace(/^ {2}/gm, "")] : []),
    "",
    `${report.passed ? "PASSED" : "FAILED"}: ${counts} in ${(report.durationMs / 1000).toFixed(1)} s`,
  ].join("\n");
}
