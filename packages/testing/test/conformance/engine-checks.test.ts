/**
 * The engine invariants' checks are sharp too: each fails, naming its rule, when a trace
 * shows the engine (not the provider) breaking it. The traces are real runs on the memory
 * backend, then altered the way a faulty engine would have made them.
 */
import { describe, expect, it } from "vitest";
import { ConditionType, setCondition } from "@provisionkit/core";
import { memoryBackend, runConformance, type RuleId } from "../../src/index.js";
import { runChecks } from "../../src/conformance/checks/index.js";
import { SPECS } from "../../src/conformance/driver/session.js";
import { runWorld, type ScenarioEnv } from "../../src/conformance/scenarios/scenario.js";
import { BlindFindJob, brokenBackend } from "./broken-providers.js";

const env: ScenarioEnv = {
  backend: () => memoryBackend(),
  capabilities: { findJob: true, cancel: true },
  controls: {
    failures: true,
    neverFinishes: true,
    purge: true,
    rateLimit: true,
    transientFailure: true,
  },
  providerWith: true,
  seed: 1,
  numRuns: 1,
};

function rules(violations: { rule: RuleId }[]): RuleId[] {
  return [...new Set(violations.map((v) => v.rule))];
}

describe("the engine checks fail when the engine breaks its invariant", { timeout: 60_000 }, () => {
  it("E1: two provision jobs active together", async () => {
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      s.setSpec(key, SPECS.B);
      await s.untilReady(key);
    });
    expect(run.violations).toEqual([]);
    const [first, second] = run.trace.ledger;
    if (!first || !second) throw new Error("two jobs expected");
    second.createdAt = (first.finishedAt ?? 0) - 5_000;
    expect(rules(runChecks(run.trace))).toEqual(["E1"]);
  });

  it("E2: the same version provisioned again is a duplicate only within one object's life", async () => {
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      s.delete(key);
      await s.untilGone(key);
      s.create("w1", SPECS.A);
      await s.untilReady(key);
    });
    // Deleted and created again: the second object's first provision, not a duplicate.
    expect(run.violations).toEqual([]);
    expect(run.trace.releases).toHaveLength(1);
    // Without the finalizer release in between, the two are one object's duplicate provisions.
    run.trace.releases = [];
    const found = runChecks(run.trace).filter((v) => v.rule === "E2");
    expect(found.map((v) => v.message)).toEqual([
      expect.stringMatching(
        /^E2: conformance\/w1: two provision jobs of one config version succeeded/,
      ),
    ]);
  });

  it("E2 and E4: retries sooner than the backoffs", async () => {
    const run = await runWorld(env, {}, async (s) => {
      s.scriptNext("provision", { outcome: "failed", durationMs: 10_000 });
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      s.scriptNext("deprovision", { outcome: "failed", durationMs: 10_000 });
      s.delete(key);
      await s.untilGone(key);
    });
    expect(run.violations).toEqual([]);
    run.trace.options.provisionBackoff.initialMs = 60_000;
    run.trace.options.deprovisionBackoff.initialMs = 60_000;
    const found = runChecks(run.trace);
    expect(rules(found)).toEqual(["E2", "E4"]);
    expect(found[0]?.message).toMatch(
      /^E2: conformance\/w1: provision mem-2 .* before the provision backoff/,
    );
  });

  it("E3: Ready while desired differs from reconciled", async () => {
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
    });
    const first = run.trace.persists[0];
    if (!first) throw new Error("a persist expected");
    first.status.conditions = setCondition(
      first.status.conditions,
      { type: ConditionType.Ready, status: "True", reason: "Reconciled", message: "" },
      "2026-01-01T00:00:00.000Z",
    );
    expect(rules(runChecks(run.trace))).toEqual(["E3"]);
  });

  it("E4: the finalizer released while the deprovision job runs", async () => {
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      s.delete(key);
      await s.untilGone(key);
    });
    const release = run.trace.releases[0];
    const deprovision = run.trace.ledger.find((j) => j.operation === "deprovision");
    if (!release || !deprovision) throw new Error("a release expected");
    release.at = deprovision.createdAt + 1_000;
    expect(rules(runChecks(run.trace))).toEqual(["E4"]);
  });

  it("E6: a job polled through another provider than the one that launched it", async () => {
    const report = await runConformance({
      backend: () => memoryBackend(),
      scenarios: ["provider-switch"],
    });
    expect(report.passed).toBe(true);
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.until(() => s.active(key, "provision"), "a provision job running", "E3", key);
      await s.untilReady(key);
    });
    for (const call of run.trace.calls)
      if (call.method === "getProvisionStatus") call.provider = "impostor";
    expect(rules(runChecks(run.trace))).toEqual(["E6"]);
  });

  it("E5: a findJob that never finds makes a lost launch run twice (E2, E4 follow)", async () => {
    const report = await runConformance({
      backend: brokenBackend(BlindFindJob),
      scenarios: ["crash-adopts-by-correlation-id", "crash-at-every-step"],
    });
    const failed = report.rules.filter((r) => r.status === "failed").map((r) => r.rule);
    expect(failed).toEqual(["E2", "E4", "E5"]);
    const messages = report.scenarios.flatMap((s) => s.violations.map((v) => v.message));
    expect(
      messages.some((m) => /^E5: conformance\/w1: provision mem-1 .* the job was lost$/.test(m)),
    ).toBe(true);
  });
});
