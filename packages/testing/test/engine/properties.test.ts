/**
 * Property-based tests of the lifecycle engine: random sequences of spec changes
 * (A -> B -> A included), deletions (also while a provision job runs), clock advances,
 * backend faults (scripted outcomes and durations, rate limits, failed reads, lost launch
 * answers), provider capabilities (findJob, cancel, blockDeletionOnFailure true/false) and
 * crashes at every persist point, each followed by a run to quiescence, on the conformance
 * suite's reference memory backend and provider. After every reconcile, the suite's own
 * checks (P5, P6, E1–E5 of DESIGN.md) read the run's trace against the backend's ledger
 * (the out-of-band truth). See `support/model.ts` for the model and `support/scenario.ts`
 * for the driver.
 *
 * The SHARPNESS block proves the checks can fail: deliberately broken providers (and
 * engine options the checks do not expect) must make the property fail with a message
 * naming the rule.
 *
 * Runs per property: 200, or PROPERTY_RUNS from the environment for a deeper search.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  JobState,
  findCondition,
  isTerminal,
  type ProvisionStatus,
} from "@provisionkit/core";
import { MemoryProvider, type MemoryJob } from "../../src/index.js";
import {
  BlindFindJob,
  IgnoresRunningProvision,
  SkippedWhileProvisioned,
  WrongConfigSilently,
} from "../conformance/broken-providers.js";
import { stepsArb, worldArb, type World } from "./support/model.js";
import {
  Scenario,
  lifecycleProperty,
  runScenario,
  type ProviderFactory,
  type ScenarioSetup,
} from "./support/scenario.js";

const NUM_RUNS = Number(process.env["PROPERTY_RUNS"] ?? 200);

/** Job timeouts above the default job duration (30 s), below the longest scripted one. */
const timeoutArb = fc.integer({ min: 40_000, max: 120_000 });

// ------------------------------------------------------------------------ properties

// Hundreds of simulated lifecycles per test: allow for a slow, shared CI machine.
describe("lifecycle engine properties (E1–E5)", { timeout: 120_000 }, () => {
  it("keeps E1–E5 without a job timeout, for every provider capability and spec-change policy", async () => {
    await fc.assert(lifecycleProperty(worldArb()), { numRuns: NUM_RUNS });
  });

  it("keeps E1–E5 with a job timeout, when the provider can cancel", async () => {
    await fc.assert(
      lifecycleProperty(worldArb({ cancelJob: fc.constant(true), jobTimeoutMs: timeoutArb })),
      { numRuns: NUM_RUNS },
    );
  });

  it("keeps E1–E5 with a job timeout, when the provider cannot cancel", async () => {
    await fc.assert(
      lifecycleProperty(worldArb({ cancelJob: fc.constant(false), jobTimeoutMs: timeoutArb })),
      { numRuns: NUM_RUNS },
    );
  });
});

/**
 * Minimized counterexamples the properties found, kept as plain regression tests so
 * that they run deterministically whatever seed the properties draw.
 */
describe("counterexamples found by the properties", () => {
  const base: World = {
    findJob: false,
    cancelJob: true,
    blockDeletionOnFailure: false,
    onSpecChangeWhileRunning: "wait",
    jobTimeoutMs: 40_000,
    cancelDelayMs: 0,
    provisionScripts: [],
    deprovisionScripts: [],
  };

  it("E2: a job that succeeded before its timeout, unseen yet, is not failed and launched again", async () => {
    // Polls at +10 s, +20 s, +30 s see it Running; it succeeds at +30.001 s; the next
    // look is at +40 s, the timeout: the engine must read the job before failing it.
    await runScenario(
      { ...base, provisionScripts: [{ outcome: "succeeded", durationMs: 30_001 }] },
      [],
    );
  });

  it("E2: a controller that wakes up late does not fail (and relaunch) a job that ended in time", async () => {
    await runScenario({ ...base, cancelJob: false }, [
      { kind: "reconcile" },
      { kind: "advance", ms: 60_000 },
    ]);
  });

  it("E1: a timed-out provision job still canceling blocks the next launch", async () => {
    await runScenario(
      {
        ...base,
        cancelDelayMs: 5_000,
        provisionScripts: [{ outcome: "succeeded", durationMs: 100_000 }],
      },
      [],
    );
  });

  it("E3: a timed-out job that then succeeds does not leave the resource Ready on the older config", async () => {
    // A applied; B launched (runs 40.001 s); spec back to A; B times out 40 s after its
    // launch, the engine calls A reconciled and Ready, then B succeeds in the backend.
    await runScenario(
      {
        ...base,
        cancelJob: false,
        provisionScripts: [
          { outcome: "succeeded", durationMs: 1_000 },
          { outcome: "succeeded", durationMs: 40_001 },
        ],
      },
      [
        { kind: "reconcile" },
        { kind: "spec", spec: 1 },
        { kind: "run", ms: 10_001 },
        { kind: "spec", spec: 0 },
      ],
    );
  });

  it("E1: a timed-out deprovision job still running blocks the retry (no cancelJob)", async () => {
    await runScenario(
      {
        ...base,
        cancelJob: false,
        blockDeletionOnFailure: true,
        deprovisionScripts: [{ outcome: "succeeded", durationMs: 43_001 }],
      },
      [{ kind: "reconcile" }, { kind: "delete" }],
    );
  });
});

// ------------------------------------------------------------------------ sharpness

/** P4 violated: a succeeded provision reports a version it was not launched with. */
class BogusVersion extends MemoryProvider {
  protected override report(job: MemoryJob): ProvisionStatus {
    const status = super.report(job);
    return status.state === JobState.Succeeded && job.operation === "provision"
      ? { ...status, reconciledVersion: "cv-bogus" }
      : status;
  }
}

function broken(make: typeof MemoryProvider): ProviderFactory {
  return (backend, options) => new make(backend, options);
}

/** Stop at the first failure (no shrinking) and put the rule's message in the report. */
const FAIL_FAST = { numRuns: 500, endOnFailure: true, includeErrorInReport: true } as const;

describe(
  "SHARPNESS: the properties fail, naming the rule, when a rule is broken",
  { timeout: 120_000 },
  () => {
    const failingWorlds: [string, fc.Arbitrary<World>, ScenarioSetup, RegExp][] = [
      [
        "E1 fails when a provider deprovisions while the provision job runs (P5 broken)",
        worldArb(),
        { makeProvider: broken(IgnoresRunningProvision) },
        /E1: /,
      ],
      [
        "E2 fails when the engine retries a failed provision sooner than the backoff",
        worldArb({ provisionScripts: fc.constant([{ outcome: "failed", durationMs: 10_000 }]) }),
        { engineOptions: { provisionBackoff: { initialMs: 500, factor: 1, maxMs: 500 } } },
        /E2: /,
      ],
      [
        "E3 fails when the backend applies another config than the one launched",
        worldArb(),
        { makeProvider: broken(WrongConfigSilently) },
        /E3: /,
      ],
      [
        "P6 fails when a provider answers skipped after provisioning",
        worldArb(),
        { makeProvider: broken(SkippedWhileProvisioned) },
        /P6: /,
      ],
      [
        "E4 fails when the engine retries a blocking failed deprovision sooner than the backoff",
        worldArb({
          blockDeletionOnFailure: fc.constant(true),
          deprovisionScripts: fc.constant([{ outcome: "failed", durationMs: 10_000 }]),
        }),
        { engineOptions: { deprovisionBackoff: { initialMs: 500, factor: 1, maxMs: 500 } } },
        /E4: /,
      ],
      [
        // The relaunch comes in the same reconcile as the lookup that gives up, so when the
        // lost job still runs, the overlap (E1) is seen at the same check as the loss (E5).
        "E5 fails when findJob cannot find a launched job (a lost launch is relaunched)",
        worldArb({ findJob: fc.constant(true) }),
        { makeProvider: broken(BlindFindJob) },
        /E5: |E1: /,
      ],
    ];

    it.each(failingWorlds)("%s", async (_title, worlds, setup, rule) => {
      await expect(fc.assert(lifecycleProperty(worlds, setup), FAIL_FAST)).rejects.toThrow(rule);
    });

    it("holds against a provider breaking P4: the engine never takes a version it did not launch", async () => {
      // Every success reports a bogus version, so nothing is ever reconciled: the safety
      // half of the checks must hold (E1, E3, E5), and every such job is recorded as
      // Failed with reason ReconciledVersionMismatch.
      await fc.assert(
        fc.asyncProperty(worldArb(), stepsArb, async (world, steps) => {
          const s = new Scenario(world, { makeProvider: broken(BogusVersion), strict: false });
          for (const step of [...steps, { kind: "run", ms: 300_000 } as const]) {
            if (s.gone) break;
            await s.apply(step);
          }
          for (const { status } of s.h.persists) {
            expect(status.reconciledConfigVersion).toBeUndefined();
            expect(findCondition(status.conditions, ConditionType.Ready)?.status).not.toBe("True");
          }
          for (const job of s.ledger) {
            const record = s.recordOf(job.id);
            if (job.operation !== "provision" || job.outcome !== "succeeded" || !record) continue;
            if (!isTerminal(record.state)) continue; // not seen to end yet
            expect(record.state).toBe(JobState.Failed);
            expect(record.reason).toBe("ReconciledVersionMismatch");
          }
        }),
        { numRuns: 100 },
      );
    });
  },
);
