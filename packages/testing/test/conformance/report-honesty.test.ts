/**
 * Issue 13 and 15: the report never hides a failure. A rule whose scenario failed is never
 * shown as passed; an error a provider capability threw appears in the JSON and HTML
 * report, redacted; a purged job reported as a plain Error and a correlation id that
 * differs from the engine's are named in the violation.
 */
import {
  ConfigurationError,
  type ProvisionResult,
  type ResourceObject,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { ruleResults } from "../../src/conformance/runner.js";
import {
  MemoryProvider,
  memoryBackend,
  runConformance,
  type MemoryBackend,
  type MemoryProviderOptions,
  type ScenarioResult,
} from "../../src/index.js";
import { renderHtml, renderTable } from "../../src/report/index.js";
import { PurgedAsPlainError } from "./broken/blind-spots.js";

const TOKEN = "mem-secret-7f3a9c2e";

function scenario(
  id: string,
  rules: ScenarioResult["rules"],
  violations: ScenarioResult["violations"],
): ScenarioResult {
  return {
    id,
    title: id,
    rules,
    status: violations.length > 0 ? "failed" : "passed",
    violations,
    durationMs: 0,
    virtualMs: 0,
    timelines: [],
  };
}

/** findJob refused like AWX refuses the extra_vars filter (issue 13), quoting its token. */
class FindJobForbidden extends MemoryProvider {
  constructor(backend: MemoryBackend, options: MemoryProviderOptions) {
    super(backend, options);
    (this as { findJob?: MemoryProvider["findJob"] }).findJob = () =>
      Promise.reject(
        new ConfigurationError(
          `HTTP 403 {"detail": "Filtering on extra_vars is not allowed."} (token ${this.token})`,
        ),
      );
  }
}

/** Launches with a correlation id of its own (the engine's with a suffix). */
class OwnCorrelationId extends MemoryProvider {
  override triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    return super.triggerProvision(resource, {
      ...options,
      correlationId: `${options.correlationId}-1`,
    });
  }
}

describe("the rule table never shows a rule passed whose scenario failed", () => {
  it("E5 is inconclusive when the crash-adoption scenario failed on E3 and E4 only", () => {
    const results = [
      scenario(
        "crash-adopts-by-correlation-id",
        ["E5"],
        [
          { rule: "E3", message: "E3: goal not reached" },
          { rule: "E4", message: "E4: not deleted" },
        ],
      ),
      scenario("two-controllers", ["E1", "E2", "E5"], []),
      scenario("create-to-ready", ["P3", "E3"], [{ rule: "E3", message: "E3: x" }]),
    ];
    const rules = ruleResults(results);
    const e5 = rules.find((r) => r.rule === "E5");
    expect(e5?.status).toBe("inconclusive");
    expect(e5?.inconclusiveIn).toEqual(["crash-adopts-by-correlation-id"]);
    expect(e5?.skipReason).toContain("crash-adopts-by-correlation-id failed on E3, E4");
    expect(rules.find((r) => r.rule === "E3")?.status).toBe("failed");
    expect(rules.find((r) => r.rule === "E1")?.status).toBe("passed");
    expect(rules.find((r) => r.rule === "P3")?.status).toBe("inconclusive");
  });

  it("a scenario that ended with an error makes its rules inconclusive, naming the error", () => {
    const broken = {
      ...scenario("purged-job", ["E2"], []),
      status: "failed" as const,
      error: "boom\nstack",
    };
    const e2 = ruleResults([broken]).find((r) => r.rule === "E2");
    expect(e2?.status).toBe("inconclusive");
    expect(e2?.skipReason).toContain("an error: boom");
  });
});

describe("provider errors are in the report", { timeout: 60_000 }, () => {
  it("a 403 from findJob shows in the JSON and the HTML report, its token redacted, and E5 is not passed", async () => {
    const report = await runConformance({
      backend: () =>
        memoryBackend({ token: TOKEN, provider: (b, o) => new FindJobForbidden(b, o) }),
      scenarios: ["crash-adopts-by-correlation-id"],
    });
    const errors = report.scenarios[0]?.providerErrors ?? [];
    expect(errors.map((e) => [e.method, e.name, e.code])).toContainEqual([
      "findJob",
      "ConfigurationError",
      "CONFIGURATION",
    ]);
    const json = JSON.stringify(report);
    expect(json).toContain("Filtering on extra_vars is not allowed.");
    expect(json).not.toContain(TOKEN);
    expect(json).toContain("[redacted]");
    const html = renderHtml(report);
    expect(html).toContain("Filtering on extra_vars is not allowed.");
    expect(html).not.toContain(TOKEN);
    expect(renderTable(report)).toContain("provider error: findJob");
    expect(report.rules.find((r) => r.rule === "E5")?.status).not.toBe("passed");
  });

  it("a purged job reported as a plain Error: P8 names the untyped error, and the missed goal names the job", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ provider: (b, o) => new PurgedAsPlainError(b, o) }),
      scenarios: ["purged-job"],
    });
    const messages = report.scenarios.flatMap((s) => s.violations.map((v) => v.message));
    const untyped = messages.find((m) => m.startsWith("P8:") && m.includes("threw an untyped"));
    expect(untyped, messages.join("\n")).toMatch(
      /getProvisionStatus for \S+ at t\+\d+s threw an untyped Error \(not a ProviderError\): .*unexpected answer 404/,
    );
    // The goal it cost is explained by that P8 violation, and still names the purged job.
    const goal = messages.find((m) => m.includes("did not reach its goal"));
    expect(goal, messages.join("\n")).toMatch(/^P8: .*explained by the P8 violation/);
    expect(goal).toMatch(
      /getProvisionStatus about job mem-1 \(provision mem-1 .*purged at t\+\d+s\).* threw an untyped Error/,
    );
  });

  it("a correlation id that differs from the engine's is named under E5, not 'the job was lost'", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ provider: (b, o) => new OwnCorrelationId(b, o) }),
      scenarios: ["create-to-ready"],
    });
    const e5 = report.scenarios.flatMap((s) => s.violations).filter((v) => v.rule === "E5");
    expect(e5.length).toBeGreaterThan(0);
    for (const v of e5) {
      expect(v.message).toMatch(
        /with correlation id \S+, but the backend's .* carries correlation id \S+-1/,
      );
      expect(v.message).not.toContain("the job was lost");
    }
  });
});
