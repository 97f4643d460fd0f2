/**
 * The CLI on a provider that hangs (L1): it exits 1 with its reports written, never hangs.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli/args.js";
import type { ConformanceReport } from "../src/index.js";
import { FIXTURES, runCliWithReports, usageError } from "./cli-support.js";

describe("provisionkit-conformance on a provider call that never returns", () => {
  it("takes --call-deadline, a positive integer", async () => {
    expect(parseArgs(["m.js", "--call-deadline", "250"])?.callDeadlineMs).toBe(250);
    expect(await usageError(["m.js", "--call-deadline", "0"])).toMatch(/positive integer/);
    expect(await usageError(["m.js", "--call-deadline", "soon"])).toMatch(/non-negative integer/);
  });

  it("exits 1 with the reports written, the call named under L1", async () => {
    const io = await runCliWithReports([
      join(FIXTURES, "conformance-hanging.ts"),
      "--scenario",
      "create-to-ready",
      "--scenario",
      "spec-a-b-a",
    ]);
    expect(io.code).toBe(1);
    expect(io.stderr).toMatch(/\[1\/2\] FAIL create-to-ready \(L1\)/);
    expect(io.stderr).toMatch(/\[2\/2\] FAIL spec-a-b-a \(L1\)/);
    const report = JSON.parse(await io.read("report.json")) as ConformanceReport;
    expect(report.passed).toBe(false);
    const messages = report.scenarios.flatMap((s) => s.violations.map((v) => v.message));
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^L1: getProvisionStatus\(conformance\/w1, job \S+\) called by p1 .*scenario create-to-ready.*deadline of 300 ms .*ignores its AbortSignal/,
      ),
    );
    expect(await io.read("junit.xml")).toContain('type="L1"');
    expect(await io.read("report.html")).toContain("L1");
  }, 30_000);

  it("--call-deadline overrides the module's deadline", async () => {
    const io = await runCliWithReports([
      join(FIXTURES, "conformance-hanging.ts"),
      "--scenario",
      "create-to-ready",
      "--call-deadline",
      "150",
    ]);
    expect(io.code).toBe(1);
    const report = JSON.parse(await io.read("report.json")) as ConformanceReport;
    expect(report.scenarios[0]?.violations[0]?.message).toMatch(/deadline of 150 ms/);
  }, 30_000);
});
