/**
 * P6 as DESIGN states it: `skipped` only when nothing can have been provisioned. A provider
 * that skips after a provision job that failed (or was cancelled, or whose write-back never
 * came) fails it; the contract-keeping providers pass; the check's edges (a job the backend
 * creates after the skip for a launch made before it, a resource torn down and made again)
 * are judged from synthetic traces.
 */
import {
  JobState,
  type DeprovisionResult,
  type JobRecord,
  type ResourceObject,
  type TriggerDeprovisionOptions,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { checkP6 } from "../../src/conformance/checks/p6.js";
import { CheckContext } from "../../src/conformance/checks/context.js";
import type { CallRecord, Trace } from "../../src/conformance/driver/trace.js";
import {
  MemoryProvider,
  memoryBackend,
  runConformance,
  type ConformanceJob,
} from "../../src/index.js";

/**
 * The bug of issue 14 (EdaProvider before it): skips unless a provision job succeeded, so a
 * failed (or cancelled) provision is deleted without a teardown.
 */
class SkipsUnlessSucceeded extends MemoryProvider {
  protected override deprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): DeprovisionResult {
    const provisions = this.provisionJobsOf(resource);
    const latest = provisions.at(-1);
    if (latest && latest.state !== JobState.Succeeded && latest.state !== JobState.Failed)
      return super.deprovision(resource, provisionJobs, options);
    if (!provisions.some((j) => j.state === JobState.Succeeded)) {
      return { action: "skipped", reason: "nothing succeeded, so nothing to tear down" };
    }
    return super.deprovision(resource, provisionJobs, options);
  }
}

const SCENARIOS = [
  "failed-provision-then-delete",
  "delete-before-provisioning",
  "delete-after-provisioning",
];

describe("P6 on the memory backend", { timeout: 60_000 }, () => {
  it("a provider that skips after a failed provision fails P6, naming the failed job", async () => {
    const report = await runConformance({
      backend: () =>
        memoryBackend({
          provider: (backend, options) => new SkipsUnlessSucceeded(backend, options),
        }),
      scenarios: SCENARIOS,
    });
    const failed = report.scenarios.find((s) => s.id === "failed-provision-then-delete");
    const p6 = failed?.violations.filter((v) => v.rule === "P6") ?? [];
    expect(p6).toHaveLength(1);
    expect(p6[0]?.message).toMatch(
      /^P6: triggerDeprovision for .* answered skipped, but the backend ran provision .* ended failed/,
    );
    expect(report.rules.find((r) => r.rule === "P6")?.status).toBe("failed");
  });

  it("the contract-keeping memory provider passes the same scenarios", async () => {
    const report = await runConformance({ backend: () => memoryBackend(), scenarios: SCENARIOS });
    for (const scenario of report.scenarios) {
      expect(scenario.violations, scenario.id).toEqual([]);
    }
    expect(report.rules.find((r) => r.rule === "P6")?.status).toBe("passed");
  });
});

// ------------------------------------------------------------------ synthetic traces

const KEY = "ns/w1";
const T0 = 1_000_000;

function job(
  over: Partial<ConformanceJob> & Pick<ConformanceJob, "id" | "operation">,
): ConformanceJob {
  return { resourceKey: KEY, createdAt: T0, ...over };
}

function launch(
  seq: number,
  at: number,
  correlationId: string,
  ledgerBefore: ConformanceJob[],
): CallRecord {
  return {
    seq,
    process: "c1",
    provider: "p",
    innerName: "p",
    method: "triggerProvision",
    resourceKey: KEY,
    at,
    correlationId,
    configVersion: "v1",
    outcome: {
      ok: true,
      value: { jobId: `job-${correlationId}`, initialState: "Pending", message: "" },
    },
    ledgerBefore,
    ledgerAfter: ledgerBefore,
  };
}

function skip(seq: number, at: number, ledgerBefore: ConformanceJob[]): CallRecord {
  return {
    seq,
    process: "c1",
    provider: "p",
    innerName: "p",
    method: "triggerDeprovision",
    resourceKey: KEY,
    at,
    correlationId: `d-${seq}`,
    outcome: { ok: true, value: { action: "skipped", reason: "nothing" } },
    ledgerBefore,
    ledgerAfter: ledgerBefore,
  };
}

function p6(calls: CallRecord[], ledger: ConformanceJob[]) {
  const trace = { start: T0, calls, ledger, persists: [] } as unknown as Trace;
  return checkP6(new CheckContext(trace));
}

describe("P6 check: edges", () => {
  it("a provision job the backend created after the skip, for a launch made before it (a queued event), is a violation", () => {
    const late = job({
      id: "7",
      operation: "provision",
      correlationId: "c1",
      createdAt: T0 + 5_000,
      finishedAt: T0 + 9_000,
      outcome: "succeeded",
    });
    const violations = p6([launch(1, T0, "c1", []), skip(2, T0 + 2_000, [])], [late]);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toContain("created by the backend after it");
  });

  for (const outcome of ["succeeded", "failed", "canceled", undefined] as const) {
    it(`a provision job ${outcome ?? "still active"} before the skip is a violation`, () => {
      const p = job({
        id: "7",
        operation: "provision",
        correlationId: "c1",
        ...(outcome ? { outcome, finishedAt: T0 + 1_000 } : {}),
      });
      expect(p6([launch(1, T0, "c1", []), skip(2, T0 + 2_000, [p])], [p])).toHaveLength(1);
    });
  }

  it("a provision job launched after the skip is none of its business", () => {
    const later = job({
      id: "8",
      operation: "provision",
      correlationId: "c2",
      createdAt: T0 + 5_000,
    });
    expect(p6([skip(1, T0, []), launch(2, T0 + 4_000, "c2", [])], [later])).toEqual([]);
  });

  it("a provision already torn down by a deprovision that succeeded before the skip does not count", () => {
    const p = job({
      id: "7",
      operation: "provision",
      correlationId: "c1",
      outcome: "succeeded",
      finishedAt: T0 + 1_000,
    });
    const d = job({
      id: "8",
      operation: "deprovision",
      correlationId: "d",
      createdAt: T0 + 2_000,
      outcome: "succeeded",
      finishedAt: T0 + 3_000,
    });
    expect(p6([launch(1, T0, "c1", []), skip(2, T0 + 4_000, [p, d])], [p, d])).toEqual([]);
    // A failed deprovision tore nothing down.
    const failed = { ...d, outcome: "failed" as const };
    expect(
      p6([launch(1, T0, "c1", []), skip(2, T0 + 4_000, [p, failed])], [p, failed]),
    ).toHaveLength(1);
  });
});
