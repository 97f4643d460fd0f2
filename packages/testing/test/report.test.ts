import { describe, expect, it } from "vitest";
import { renderHtml, renderJunit, renderTable } from "../src/report/index.js";
import { placeJobs } from "../src/report/timeline-svg.js";
import { sampleReport } from "./report-fixture.js";

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
});
