/**
 * The contract-keeping memory provider passes every scenario; the capability manifest and
 * the backend's controls decide what is skipped, and the report says why.
 */
import { describe, expect, it } from "vitest";
import {
  formatReport,
  memoryBackend,
  runConformance,
  type ConformanceBackend,
} from "../../src/index.js";

describe("the memory backend and its contract-keeping provider", { timeout: 120_000 }, () => {
  it("pass every scenario and every rule", async () => {
    const started = performance.now();
    const report = await runConformance({ backend: () => memoryBackend() });
    const ms = Math.round(performance.now() - started);
    console.log(
      `full provider conformance run on the memory backend: ${ms} ms\n${formatReport(report)}`,
    );
    const failed = report.scenarios.filter((s) => s.status !== "passed");
    expect(
      failed.map(
        (s) => `${s.id}: ${s.violations.map((v) => v.message).join("; ")} ${s.error ?? ""}`,
      ),
    ).toEqual([]);
    expect(report.rules.every((r) => r.status === "passed")).toBe(true);
    expect(report.subject).toBe("memory on memory backend");
    expect(report.capabilities).toEqual({ findJob: true, cancel: true });
    for (const scenario of report.scenarios) expect(scenario.timelines.length).toBeGreaterThan(0);
  });

  it("skip what needs findJob or cancel when the provider has neither, and say why", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ findJob: false, cancel: false }),
      scenarios: [
        "crash-adopts-by-correlation-id",
        "never-finishing-job",
        "spec-change-cancels-running",
        "delete-after-provisioning",
      ],
    });
    expect(report.capabilities).toEqual({ findJob: false, cancel: false });
    const byId = new Map(report.scenarios.map((s) => [s.id, s]));
    expect(byId.get("crash-adopts-by-correlation-id")?.status).toBe("skipped");
    expect(byId.get("crash-adopts-by-correlation-id")?.skipReason).toMatch(/findJob/);
    expect(byId.get("never-finishing-job")?.skipReason).toMatch(/cancel/);
    expect(byId.get("spec-change-cancels-running")?.skipReason).toMatch(/cancel/);
    expect(byId.get("delete-after-provisioning")?.status).toBe("passed");
    const rules = new Map(report.rules.map((r) => [r.rule, r]));
    expect(rules.get("E5")?.status).toBe("skipped");
    expect(rules.get("E5")?.skipReason).toMatch(
      /crash-adopts-by-correlation-id: the provider lacks the capability findJob/,
    );
    expect(rules.get("E1")?.skipReason).toMatch(/never-finishing-job/);
    expect(rules.get("P6")?.status).toBe("passed");
    expect(rules.get("P1")?.skipReason).toBe("no scenario about it was run");
    expect(report.passed).toBe(true);
  });

  it("without findJob, crashes block on LaunchOutcomeUnknown and a human resolves them", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ findJob: false }),
      scenarios: ["crash-at-every-step"],
    });
    expect(report.scenarios[0]?.status).toBe("passed");
  });

  it("skip what needs a missing test control", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ controls: { purge: false, rateLimit: false } }),
      scenarios: ["purged-job", "rate-limited-launch"],
    });
    for (const scenario of report.scenarios) {
      expect(scenario.status).toBe("skipped");
      expect(scenario.skipReason).toMatch(/lacks the test control\(s\) (purge|rateLimit)/);
    }
    expect(report.rules.find((r) => r.rule === "P8")?.status).toBe("skipped");
  });

  it("skip the failed-deprovision flag the provider cannot declare", async () => {
    const withoutVariants = (): ConformanceBackend => {
      const inner = memoryBackend();
      return {
        name: inner.name,
        controls: inner.controls,
        start: (context) => inner.start(context),
        stop: () => inner.stop(),
        provider: () => inner.provider(),
        ledger: () => inner.ledger(),
        scriptNext: (operation, script) => inner.scriptNext(operation, script),
      };
    };
    const report = await runConformance({
      backend: withoutVariants,
      scenarios: ["failed-deprovision-blocking", "failed-deprovision-non-blocking"],
    });
    const [blocking, nonBlocking] = report.scenarios;
    expect(blocking?.status).toBe("passed");
    expect(nonBlocking?.status).toBe("skipped");
    expect(nonBlocking?.skipReason).toMatch(
      /declares blockDeletionOnFailure=true .* no providerWith/,
    );
  });

  it("reject unknown scenario ids", async () => {
    await expect(
      runConformance({ backend: () => memoryBackend(), scenarios: ["nope"] }),
    ).rejects.toThrow(/unknown conformance scenario/);
  });
});
