/**
 * A conformance report as one self-contained HTML page (no scripts, no external assets):
 * the verdict per rule, then every scenario with its violations and a job timeline per
 * resource, where an overlap or a stale version shows at a glance.
 *
 * @module
 */
import type { ConformanceReport, RuleResult, ScenarioResult } from "../conformance/types.js";
import { escapeXml } from "./escape.js";
import { RULE_MEANINGS } from "./rules.js";
import { formatMs, renderTimelineSvg } from "./timeline-svg.js";

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1040px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.verdict{font-weight:600}.verdict.passed{color:#1a7f37}.verdict.failed{color:#cf222e}
table{border-collapse:collapse}td,th{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
.badge{display:inline-block;min-width:44px;text-align:center;border-radius:10px;font-size:12px;padding:0 6px}
.badge.passed{background:#dafbe1}.badge.failed{background:#ffebe9;color:#cf222e;font-weight:600}
.badge.skipped{background:#eaeef2;color:#57606a}
.badge.inconclusive{background:#fff8c5;color:#9a6700;font-weight:600}
.provider-errors li{font-family:ui-monospace,monospace;font-size:12.5px}
section.scenario{border-top:1px solid #d0d7de;padding:8px 0}
section.scenario.failed h3{color:#cf222e}h3{font-size:15px;margin:6px 0}
.violations li{color:#cf222e;font-family:ui-monospace,monospace;font-size:12.5px}
.meta{color:#57606a;font-size:12.5px}
.timeline{display:block;margin:4px 0 10px;background:#f6f8fa;border-radius:4px}
.timeline text{font:11px ui-monospace,monospace;fill:#1f2328}
.job.provision rect{fill:#8cb4f5;stroke:#2f6fd6}.job.deprovision rect{fill:#f7c47a;stroke:#c9790c}
.job.failed rect{fill-opacity:.45;stroke-dasharray:4 2}.job.canceled rect{fill:#d0d7de;stroke:#8c959f}
.job.active rect{stroke-dasharray:2 2}
.job.overlap rect{stroke:#cf222e;stroke-width:2.5}
.mark line{stroke:#6e7781;stroke-dasharray:3 3}.mark text{fill:#57606a}
.axis line{stroke:#8c959f}.axis text{fill:#57606a}
td.meaning{color:#57606a}
.legend span{margin-right:14px}
`;

function badge(status: string): string {
  return `<span class="badge ${status}">${status}</span>`;
}

function scenarioLink(id: string): string {
  return `<a href="#scenario-${escapeXml(id)}">${escapeXml(id)}</a>`;
}

function providerErrors(scenario: ScenarioResult): string[] {
  const errors = scenario.providerErrors ?? [];
  if (errors.length === 0) return [];
  const items = errors.map((e) => {
    const code = e.code === undefined ? "" : ` ${e.code}`;
    const text = `${e.method} for ${e.resourceKey} at t+${e.at / 1000}s threw ${e.name}${code} (${e.count}×): ${e.message}`;
    return `<li>${escapeXml(text)}</li>`;
  });
  return [
    `<div class="meta">provider errors</div><ul class="provider-errors">${items.join("")}</ul>`,
  ];
}

function ruleRow(rule: RuleResult): string {
  const detail =
    rule.status === "failed"
      ? `failed in ${rule.failedIn.map(scenarioLink).join(", ")}`
      : rule.status === "inconclusive"
        ? `inconclusive: ${(rule.inconclusiveIn ?? []).map(scenarioLink).join(", ")} failed. ${escapeXml(rule.skipReason ?? "")}`
        : escapeXml(rule.skipReason ?? "");
  const meaning = RULE_MEANINGS[rule.rule] ?? "";
  return `<tr data-rule="${rule.rule}" data-status="${rule.status}"><td>${badge(rule.status)}</td><th>${rule.rule}</th><td class="meaning">${escapeXml(meaning)}</td><td>${detail}</td></tr>`;
}

function scenarioSection(scenario: ScenarioResult): string {
  const parts = [
    `<section class="scenario ${scenario.status}" id="scenario-${escapeXml(scenario.id)}" data-status="${scenario.status}">`,
    `<h3>${badge(scenario.status)} ${escapeXml(scenario.id)}: ${escapeXml(scenario.title)}</h3>`,
    `<div class="meta">rules ${escapeXml(scenario.rules.join(", "))} · ${formatMs(scenario.virtualMs, scenario.virtualMs < 10_000 ? 10 : 1000)} virtual · ${scenario.durationMs} ms real</div>`,
  ];
  if (scenario.skipReason) {
    parts.push(`<p class="meta">skipped: ${escapeXml(scenario.skipReason)}</p>`);
  }
  const problems = scenario.violations.map((v) => v.message);
  if (scenario.error) problems.push(`error: ${scenario.error}`);
  if (problems.length > 0) {
    parts.push(
      `<ul class="violations">${problems.map((p) => `<li>${escapeXml(p)}</li>`).join("")}</ul>`,
    );
  }
  parts.push(...providerErrors(scenario));
  if (scenario.counterexample) {
    const { seed, path, steps } = scenario.counterexample;
    parts.push(
      `<p class="meta">counterexample: seed ${seed}${path ? `, path ${escapeXml(path)}` : ""}: <code>${escapeXml(steps)}</code></p>`,
    );
  }
  for (const timeline of scenario.timelines) {
    parts.push(`<div class="meta">${escapeXml(timeline.resourceKey)}</div>`);
    parts.push(renderTimelineSvg(timeline, scenario.virtualMs));
  }
  parts.push("</section>");
  return parts.join("\n");
}

/** The report as a standalone HTML document. */
export function renderHtml(report: ConformanceReport): string {
  const verdict = report.passed ? "passed" : "failed";
  const failed = report.scenarios.filter((s) => s.status === "failed");
  const ordered = [...failed, ...report.scenarios.filter((s) => s.status !== "failed")];
  const capabilities = Object.entries(report.capabilities)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join(", ");
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(`provisionkit ${report.suite} conformance: ${report.subject} — ${verdict}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>provisionkit ${report.suite} conformance: ${escapeXml(report.subject)}</h1>`,
    `<p class="verdict ${verdict}" id="verdict">${verdict.toUpperCase()}: ` +
      `${report.scenarios.filter((s) => s.status === "passed").length} passed, ${failed.length} failed, ` +
      `${report.scenarios.filter((s) => s.status === "skipped").length} skipped in ${(report.durationMs / 1000).toFixed(1)} s</p>`,
    `<p class="meta">capabilities: ${escapeXml(capabilities)} · started ${escapeXml(report.startedAt)}</p>`,
    '<p class="legend meta"><span>blue: provision</span><span>orange: deprovision</span>' +
      "<span>dashed: failed or still active</span><span>grey: canceled</span>" +
      "<span>red outline: ran at the same time as another job (E1)</span></p>",
    "<h2>Rules</h2>",
    `<table id="rules">${report.rules.map(ruleRow).join("")}</table>`,
    "<h2>Scenarios</h2>",
    ...ordered.map(scenarioSection),
    "</body></html>",
    "",
  ].join("\n");
}
