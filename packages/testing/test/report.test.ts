import { describe, expect, it } from "vitest";
import { renderHtml, renderJunit, renderTable } from "../src/report/index.js";
import {
  formatMs,
  labelWidth,
  placeJobs,
  placeLabels,
  renderTimelineSvg,
  tickStep,
} from "../src/report/timeline-svg.js";
import { crowdedReport, sampleReport } from "./report-fixture.js";

describe("conformance report renderers", () => {
  it("JUnit: one testcase per scenario, failures with every violation, skips with the reason", () => {
    const xml = renderJunit(sampleReport());
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('tests="3" failures="1" errors="0" skipped="1" time="1.234"');
    expect(xml).toContain(
      '<skipped message="the backend cannot purge jobs (controls.purge is false)"/>',
    );
    expect(xml).toContain('type="P5"');
    expect(xml).toContain("E1: conformance/w-1: jobs mem-1 and mem-2");
    expect(xml).toContain("counterexample (seed 42, path 0:1)");
    expect(xml).toContain("&lt;script&gt;");
    expect(xml).not.toContain("<script>");
    expect(xml).toContain('classname="provider.BrokenProvider &lt;on&gt; the memory backend"');
  });

  it("table: a line per scenario and rule, then violations, skip reasons and the verdict", () => {
    const text = renderTable(sampleReport());
    const lines = text.split("\n");
    expect(lines.some((l) => /^FAIL\s+delete-while-provisioning\s+P5 E1 E4\s+90 s/.test(l))).toBe(
      true,
    );
    expect(lines.some((l) => /^pass\s+create-to-ready/.test(l))).toBe(true);
    expect(lines.some((l) => /^FAIL\s+P5\s+delete-while-provisioning$/.test(l))).toBe(true);
    expect(text).toContain("skip purged-job: the backend cannot purge jobs");
    expect(text).toContain("counterexample seed=42 path=0:1: [create, delete@20s]");
    expect(lines.at(-1)).toBe("FAILED: 1 passed, 1 failed, 1 skipped in 1.2 s");
  });

  it("timeline lanes: jobs that ran together get separate lanes and are flagged", () => {
    const placed = placeJobs(
      [
        { id: "a", operation: "provision", start: 0, end: 30 },
        { id: "b", operation: "deprovision", start: 20, end: 50 },
        { id: "c", operation: "provision", start: 60 },
        { id: "d", operation: "provision", start: 50, end: 60 },
      ],
      100,
    );
    const byId = new Map(placed.map((p) => [p.job.id, p]));
    expect([byId.get("a")!.lane, byId.get("b")!.lane]).toEqual([0, 1]);
    expect(byId.get("a")!.overlap && byId.get("b")!.overlap).toBe(true);
    // Touching is not overlapping: d starts when b ends, c when d ends.
    expect(byId.get("d")!.overlap).toBe(false);
    expect(byId.get("c")!.overlap).toBe(false);
  });

  it("HTML: self-contained, failed scenarios first, overlaps flagged, text escaped", () => {
    const html = renderHtml(sampleReport());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain(
      '<p class="verdict failed" id="verdict">FAILED: 1 passed, 1 failed, 1 skipped',
    );
    expect(html.indexOf('id="scenario-delete-while-provisioning"')).toBeLessThan(
      html.indexOf('id="scenario-create-to-ready"'),
    );
    expect(html).toContain('data-job-id="mem-1" data-operation="provision" data-overlap="true"');
    expect(html).toContain('data-job-id="mem-2" data-operation="deprovision" data-overlap="true"');
    expect(html).toContain('data-job-id="mem-3" data-operation="provision" data-overlap="false"');
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('<a href="#scenario-delete-while-provisioning">');
    expect(html).toContain("skipped: the backend cannot purge jobs");
  });

  it("mark labels: placed on rows so that no two overlap, none past the edges", () => {
    const labels = [
      { text: "created", x: 8 },
      { text: "spec changed", x: 56 },
      { text: "deleted", x: 60 },
      { text: "controller crashed", x: 64 },
      { text: "controller started", x: 68 },
      { text: "finalizer released", x: 950 },
    ];
    const placed = placeLabels(labels, 8, 952);
    expect(placed.map((p) => p.text)).toEqual(labels.map((l) => l.text));
    for (const [i, a] of placed.entries()) {
      expect(a.x1 - a.x0).toBe(labelWidth(a.text));
      expect(a.x0).toBeGreaterThanOrEqual(8);
      expect(a.x1).toBeLessThanOrEqual(952);
      for (const b of placed.slice(i + 1)) {
        if (a.row === b.row) expect(a.x1 <= b.x0 || b.x1 <= a.x0).toBe(true);
      }
    }
    // Four labels within 12 px need four rows; the first shares row 0 with nothing near it.
    expect(new Set(placed.slice(1, 5).map((p) => p.row)).size).toBe(4);
    // The rightmost ends at its mark instead of running off the edge.
    expect(placed[5]).toMatchObject({ anchor: "end", x: 950, row: 0 });
  });

  it("axis: ticks at 1, 2 or 5 × 10^k, and times in ms where whole seconds would hide them", () => {
    expect(tickStep(90_000)).toBe(20_000);
    expect(tickStep(2400)).toBe(500);
    expect(tickStep(300)).toBe(50);
    expect(formatMs(0)).toBe("0 s");
    expect(formatMs(240)).toBe("240 ms");
    expect(formatMs(1500, 500)).toBe("1.5 s");
    expect(formatMs(20_000, 20_000)).toBe("20 s");
    const svg = renderTimelineSvg(crowdedReport().scenarios[0]!.timelines[0]!, 2400);
    const ticks = [...svg.matchAll(/<text class="tick"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(["0 s", "500 ms", "1 s", "1.5 s", "2 s"]);
    // The canceled job of 140 ms is named with its span, not as "0 s → 0 s".
    expect(svg).toContain(
      "provision job job-10 (sha256:bbbbbbbbbbbbbbbb): 100 ms → 240 ms (140 ms), canceled",
    );
  });

  it("HTML: each rule's one-line meaning in the rules table; a short run in ms", () => {
    const html = renderHtml(sampleReport());
    expect(html).toMatch(
      /<tr data-rule="E1" data-status="failed">.*<td class="meaning">at most one active job per resource at any instant<\/td>/,
    );
    expect(html).toContain(
      '<td class="meaning">while the provision job runs, a deprovision cancels it and answers waiting, never starts</td>',
    );
    expect(html).toContain("· 90 s virtual ·");
    expect(renderHtml(crowdedReport())).toContain("· 2.4 s virtual ·");
  });
});
