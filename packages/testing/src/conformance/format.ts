/**
 * Plain-text renderings of results, for test failures and logs.
 *
 * @module
 */
import type { OperatorSoakFigures } from "./operator/types.js";
import type { ConformanceReport, ResourceTimeline, ScenarioResult } from "./types.js";

function seconds(ms: number | undefined): string {
  return ms === undefined ? "…" : `${ms / 1000}s`;
}

/** A timeline as text: one line per job, then the marks. */
export function formatTimeline(timeline: ResourceTimeline): string {
  const jobs = timeline.jobs.map(
    (j) =>
      `  ${j.operation.padEnd(11)} ${j.id.padEnd(10)} ${seconds(j.start)} → ${seconds(j.end)} ${j.outcome ?? "active"}`,
  );
  const marks = timeline.marks.map((m) => `  @${seconds(m.at)} ${m.label}`);
  return [`${timeline.resourceKey}:`, ...jobs, ...marks].join("\n");
}

/**
 * Why a scenario failed: each violation (starting with its rule id), the error, the
 * counterexample of a randomized scenario, and the timelines.
 */
export function formatScenarioFailure(result: ScenarioResult): string {
  const lines = [`${result.id}: ${result.title} failed`];
  for (const v of result.violations) lines.push(`  ${v.message}`);
  if (result.error !== undefined) lines.push(`  error: ${result.error}`);
  for (const e of result.providerErrors ?? []) {
    const code = e.code === undefined ? "" : ` ${e.code}`;
    lines.push(
      `  provider error: ${e.method} for ${e.resourceKey} at t+${e.at / 1000}s threw ${e.name}${code} (${e.count}x): ${e.message}`,
    );
  }
  const example = result.counterexample;
  if (example) {
    lines.push(
      `  counterexample (seed ${example.seed}${example.path === undefined ? "" : `, path "${example.path}"`}):`,
    );
    for (const step of example.steps.split("\n")) lines.push(`    ${step}`);
  }
  for (const timeline of result.timelines) lines.push(formatTimeline(timeline));
  return lines.join("\n");
}

/** A soak's figures, a few lines: what ran, what was injected, what was found. */
export function formatSoakFigures(figures: OperatorSoakFigures): string {
  const faults = Object.entries(figures.faults)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  const c = figures.controllers;
  return [
    `  soak: ${figures.completed}/${figures.lifecycles} lifecycles in ${seconds(figures.durationMs)}, fault rate ${figures.faultRate}, seed ${figures.seed}`,
    `    faults injected: ${figures.faultsInjected}${faults ? ` (${faults})` : ""}`,
    `    controllers: ${c.started} started, ${c.restarts} restarts, ${c.crashes} crashes, two at once for ${seconds(c.twoAtOnceMs)}`,
    `    jobs: ${figures.jobs.provision} provision, ${figures.jobs.deprovision} deprovision`,
    `    duplicates ${figures.duplicates}, overlaps ${figures.overlaps}, orphans ${figures.orphans}, stuck ${figures.stuck}, wrong versions ${figures.wrongVersions}, late calls ${figures.lateCalls}, untyped errors ${figures.untypedErrors}`,
    `    peak heap ${(figures.peakHeapBytes / 2 ** 20).toFixed(1)} MiB, event loop delay p99 ${figures.eventLoopDelayMs.p99} ms, max ${figures.eventLoopDelayMs.max} ms`,
  ].join("\n");
}

/** A report as a table: one line per scenario, one per rule. */
export function formatReport(report: ConformanceReport): string {
  const lines = [
    `${report.subject}: ${report.passed ? "passed" : "FAILED"} in ${report.durationMs} ms`,
  ];
  for (const s of report.scenarios) {
    const why = s.status === "skipped" ? ` (${s.skipReason ?? ""})` : "";
    lines.push(`  ${s.status.padEnd(7)} ${s.id} [${s.rules.join(", ")}]${why}`);
  }
  for (const r of report.rules) {
    const detail =
      r.status === "failed"
        ? ` in ${r.failedIn.join(", ")}`
        : r.status === "skipped" || r.status === "inconclusive"
          ? ` (${r.skipReason ?? ""})`
          : "";
    lines.push(`  ${r.rule} ${r.status}${detail}`);
  }
  if (report.soak) lines.push(formatSoakFigures(report.soak));
  return lines.join("\n");
}
