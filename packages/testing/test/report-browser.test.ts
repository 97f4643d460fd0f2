import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "../src/report/index.js";
import { crowdedReport, sampleReport } from "./report-fixture.js";

// The HTML report opened in headless Chromium (Debian's package, driven by playwright-core):
// an overlap must be visible at a glance — two bars on different lanes whose spans intersect,
// outlined in red — and nothing may depend on scripts or the network.
//
// Tier: scripts/browser/ci-tier.sh sets PROVISIONKIT_BROWSER=required (a browser that does
// not start fails these tests) or skip (with the reason in the title). Outside CI the tests
// run when Chromium is installed.

const executable = process.env.PROVISIONKIT_CHROMIUM ?? "/usr/bin/chromium";
const mode = process.env.PROVISIONKIT_BROWSER;
const skipReason =
  mode === "skip"
    ? (process.env.PROVISIONKIT_BROWSER_REASON ?? "PROVISIONKIT_BROWSER=skip")
    : mode !== "required" && !existsSync(executable)
      ? `no Chromium at ${executable} (scripts/browser/ci-tier.sh installs Debian's chromium)`
      : undefined;

// Flags from this machine's notes: no sandbox as root, no GPU, and no background network
// (the closed network refuses Chromium's own connections).
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe.skipIf(skipReason !== undefined)(
  `conformance HTML report in headless Chromium${skipReason ? ` (NOT RUN: ${skipReason})` : ""}`,
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: executable, args: ARGS, headless: true });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("draws overlapping jobs on separate lanes, outlined in red, and loads nothing", async () => {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.setContent(renderHtml(sampleReport()), { waitUntil: "load" });

      expect(await page.textContent("#verdict")).toMatch(/^FAILED: 1 passed, 1 failed, 1 skipped/);

      const section = page.locator("#scenario-delete-while-provisioning");
      const bar = (id: string) => section.locator(`g[data-job-id="${id}"] rect`);
      const [provision, deprovision, later] = await Promise.all(
        ["mem-1", "mem-2", "mem-3"].map((id) => bar(id).boundingBox()),
      );
      expect(provision && deprovision && later).toBeTruthy();
      // Different lanes, and their spans intersect on the time axis: an overlap you can see.
      expect(deprovision!.y).toBeGreaterThan(provision!.y + provision!.height - 1);
      expect(deprovision!.x).toBeLessThan(provision!.x + provision!.width);
      // The job that ran alone shares the first lane (same row; its outline is thinner).
      expect(await bar("mem-3").getAttribute("y")).toBe(await bar("mem-1").getAttribute("y"));
      expect(later!.x).toBeGreaterThan(deprovision!.x + deprovision!.width);

      // Page-side code as a string: this package compiles without the DOM library.
      const stroke = (id: string) =>
        page.evaluate<{ color: string; width: string }>(
          `(() => {
            const rect = document.querySelector(
              '#scenario-delete-while-provisioning g[data-job-id="${id}"] rect');
            const style = getComputedStyle(rect);
            return { color: style.stroke, width: style.strokeWidth };
          })()`,
        );
      expect(await stroke("mem-1")).toEqual({ color: "rgb(207, 34, 46)", width: "2.5px" });
      expect(await stroke("mem-2")).toEqual({ color: "rgb(207, 34, 46)", width: "2.5px" });
      expect((await stroke("mem-3")).color).not.toBe("rgb(207, 34, 46)");

      // The violation text is shown as text, not run as markup.
      expect(await section.locator(".violations li").first().textContent()).toContain(
        "<script>alert(1)</script>",
      );
      expect(await page.evaluate<number>('document.querySelectorAll("script").length')).toBe(0);
      expect(
        requests.filter((url) => !url.startsWith("about:") && !url.startsWith("data:")),
      ).toEqual([]);
      await page.close();
    });

    it("no two text boxes of a timeline overlap, and every one is inside its SVG", async () => {
      const page = await browser.newPage();
      for (const report of [crowdedReport(), sampleReport()]) {
        await page.setContent(renderHtml(report), { waitUntil: "load" });
        // Page-side code as a string: this package compiles without the DOM library.
        const svgs = await page.evaluate<
          {
            svg: { x: number; y: number; width: number; height: number };
            texts: { text: string; x: number; y: number; width: number; height: number }[];
          }[]
        >(
          `[...document.querySelectorAll("svg.timeline")].map((svg) => {
            const box = (element) => {
              const r = element.getBoundingClientRect();
              return { x: r.x, y: r.y, width: r.width, height: r.height };
            };
            return {
              svg: box(svg),
              texts: [...svg.querySelectorAll("text")].map((t) => ({ text: t.textContent, ...box(t) })),
            };
          })`,
        );
        expect(svgs.length).toBeGreaterThan(0);
        for (const { svg, texts } of svgs) {
          expect(texts.length).toBeGreaterThan(0);
          for (const [i, a] of texts.entries()) {
            expect(a.width, a.text).toBeGreaterThan(0);
            expect(a.x, a.text).toBeGreaterThanOrEqual(svg.x);
            expect(a.y, a.text).toBeGreaterThanOrEqual(svg.y);
            expect(a.x + a.width, a.text).toBeLessThanOrEqual(svg.x + svg.width);
            expect(a.y + a.height, a.text).toBeLessThanOrEqual(svg.y + svg.height);
            for (const b of texts.slice(i + 1)) {
              const apart =
                a.x + a.width <= b.x ||
                b.x + b.width <= a.x ||
                a.y + a.height <= b.y ||
                b.y + b.height <= a.y;
              expect(apart, `"${a.text}" and "${b.text}" overlap`).toBe(true);
            }
          }
        }
      }
      // The crowded timeline: every mark labelled (none dropped), the rightmost one whole.
      await page.setContent(renderHtml(crowdedReport()), { waitUntil: "load" });
      const marks = await page.locator("g.mark text").allTextContents();
      expect(marks).toEqual([
        "created",
        "spec changed",
        "deleted",
        "controller crashed",
        "controller started",
        "finalizer released",
      ]);
      await page.close();
    }, 60_000);
  },
);
