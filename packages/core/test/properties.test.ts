/**
 * Property-based tests of the lifecycle engine: random sequences of spec changes
 * (A -> B -> A included), deletions (also while a provision job runs), clock advances,
 * provider answers (scripted outcomes and durations, rate limits, failed status reads,
 * lost launch responses, blockDeletionOnFailure true/false, with and without findJob and
 * cancelJob) and crashes at every persist point, each followed by a run to quiescence,
 * with the invariants E1–E5 of DESIGN.md checked against the memory backend's ledger (the
 * out-of-band truth) and every persisted status. See `support/scenario.ts` for the model
 * and `support/invariants.ts` for the checks.
 *
 * The SHARPNESS block proves the checks can fail: deliberately broken providers (and
 * engine options the checks do not expect) must make the property fail with a message
 * naming the invariant.
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
  resourceKey,
  type DeprovisionResult,
  type FindJobQuery,
  type FoundJob,
  type JobRecord,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { MemoryBackend, MemoryProvider, type LedgerJob } from "./support/memory-backend.js";
import {
  Scenario,
  lifecycleProperty,
  runScenario,
  stepsArb,
  worldArb,
  type ProviderFactory,
  type World,
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
      { ...base, provisionScripts: [{ outcome: "succeed", durationMs: 30_001 }] },
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
        provisionScripts: [{ outcome: "succeed", durationMs: 100_000 }],
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
          { outcome: "succeed", durationMs: 1_000 },
          { outcome: "succeed", durationMs: 40_001 },
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
        deprovisionScripts: [{ outcome: "succeed", durationMs: 43_001 }],
      },
      [{ kind: "reconcile" }, { kind: "delete" }],
    );
  });
});

// ------------------------------------------------------------------------ sharpness

/** P5 violated: deprovisions at once, without canceling or waiting for the provision job. */
class NoWaitDeprovisionProvider extends MemoryProvider {
  protected override answerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    const key = resourceKey(resource);
    const inBackend = this.backend.jobsFor(key).filter((j) => j.type === "provision");
    if (inBackend.length === 0 && provisionJobs.length === 0) {
      return Promise.resolve({ action: "skipped", reason: "nothing was ever provisioned" });
    }
    const job = this.backend.launch(key, "deprovision", options.correlationId);
    job.blockDeletionOnFailure = this.blockDeletionOnFailure;
    return Promise.resolve({
      action: "triggered",
      jobId: job.id,
      blockDeletionOnFailure: this.blockDeletionOnFailure,
    });
  }
}

/** P6 violated: answers `skipped` although something was provisioned. */
class AlwaysSkipProvider extends MemoryProvider {
  protected override answerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    const latest = this.backend
      .jobsFor(resourceKey(resource))
      .filter((j) => j.type === "provision")
      .at(-1);
    if (latest && !isTerminal(latest.state)) {
      return super.answerDeprovision(resource, provisionJobs, options); // still waits (P5)
    }
    return Promise.resolve({ action: "skipped", reason: "nothing to do (wrongly)" });
  }
}

/**
 * The backend applies another config than the one launched (say it drops some extra
 * vars), and the provider omits `reconciledVersion` (which P4 allows): the engine cannot
 * notice, so the out-of-band E3 check must.
 */
class WrongConfigProvider extends MemoryProvider {
  override triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    const job = this.backend.launch(
      resourceKey(resource),
      "provision",
      options.correlationId,
      `${options.configVersion}-without-extra-vars`,
    );
    return Promise.resolve({ jobId: job.id, initialState: job.state, message: "launched" });
  }
  protected override report(job: LedgerJob): ProvisionStatus {
    const { reconciledVersion: _omitted, ...status } = super.report(job);
    return status;
  }
}

/** Breaks findJob: it never finds the job of a launch whose response was lost. */
class BlindFindProvider extends MemoryProvider {
  constructor(backend: MemoryBackend, name: string, capabilities: { cancelJob: boolean }) {
    super(backend, name, { ...capabilities, findJob: true });
    this.findJob = (_r: ResourceObject, _q: FindJobQuery): Promise<FoundJob | undefined> =>
      Promise.resolve(undefined);
  }
}

/** P4 violated: a succeeded provision reports a version it was not launched with. */
class WrongVersionProvider extends MemoryProvider {
  protected override report(job: LedgerJob): ProvisionStatus {
    const status = super.report(job);
    return status.state === JobState.Succeeded && job.type === "provision"
      ? { ...status, reconciledVersion: "cv-bogus" }
      : status;
  }
}

function broken(
  make: new (...args: ConstructorParameters<typeof MemoryProvider>) => MemoryProvider,
): ProviderFactory {
  return (backend, capabilities) => new make(backend, "memory", capabilities);
}

/** Stop at the first failure (no shrinking) and put the invariant's message in the report. */
const FAIL_FAST = { numRuns: 500, endOnFailure: true, includeErrorInReport: true } as const;

describe(
  "SHARPNESS: the properties fail, naming the invariant, when a rule is broken",
  { timeout: 120_000 },
  () => {
    it("E1 fails when a provider deprovisions while the provision job runs (P5 broken)", async () => {
      await expect(
        fc.assert(
          lifecycleProperty(worldArb(), { makeProvider: broken(NoWaitDeprovisionProvider) }),
          FAIL_FAST,
        ),
      ).rejects.toThrow(/E1 violated/);
    });

    it("E2 fails when the engine retries a failed provision sooner than the backoff", async () => {
      const worlds = worldArb({
        provisionScripts: fc.constant([{ outcome: "fail", durationMs: 10_000 }]),
      });
      await expect(
        fc.assert(
          lifecycleProperty(worlds, {
            engineOptions: { provisionBackoff: { initialMs: 500, factor: 1, maxMs: 500 } },
          }),
          FAIL_FAST,
        ),
      ).rejects.toThrow(/E2 violated/);
    });

    it("E3 fails when the backend applies another config than the one launched", async () => {
      await expect(
        fc.assert(
          lifecycleProperty(worldArb(), { makeProvider: broken(WrongConfigProvider) }),
          FAIL_FAST,
        ),
      ).rejects.toThrow(/E3 violated/);
    });

    it("E4 fails when a provider answers skipped after provisioning (P6 broken)", async () => {
      await expect(
        fc.assert(
          lifecycleProperty(worldArb(), { makeProvider: broken(AlwaysSkipProvider) }),
          FAIL_FAST,
        ),
      ).rejects.toThrow(/E4 violated/);
    });

    it("E4 fails when the engine retries a blocking failed deprovision sooner than the backoff", async () => {
      const worlds = worldArb({
        blockDeletionOnFailure: fc.constant(true),
        deprovisionScripts: fc.constant([{ outcome: "fail", durationMs: 10_000 }]),
      });
      await expect(
        fc.assert(
          lifecycleProperty(worlds, {
            engineOptions: { deprovisionBackoff: { initialMs: 500, factor: 1, maxMs: 500 } },
          }),
          FAIL_FAST,
        ),
      ).rejects.toThrow(/E4 violated/);
    });

    it("E5 fails when findJob cannot find a launched job (a lost launch is relaunched)", async () => {
      // The relaunch comes in the same reconcile as the lookup that gives up, so when the
      // lost job still runs, the overlap (E1) is seen at the same check as the loss (E5).
      await expect(
        fc.assert(
          lifecycleProperty(worldArb({ findJob: fc.constant(true) }), {
            makeProvider: (b, c) => new BlindFindProvider(b, "memory", c),
          }),
          FAIL_FAST,
        ),
      ).rejects.toThrow(/E5 violated|E1 violated/);
    });

    it("holds against a provider breaking P4: the engine never takes a version it did not launch", async () => {
      // Every success reports a bogus version, so nothing is ever reconciled: the safety
      // half of the checks must hold (E1, E3 per persisted status), and every such job is
      // recorded as Failed with reason ReconciledVersionMismatch.
      await fc.assert(
        fc.asyncProperty(worldArb(), stepsArb, async (world, steps) => {
          const s = new Scenario(world, {
            makeProvider: broken(WrongVersionProvider),
            strict: false,
          });
          for (const step of [...steps, { kind: "run", ms: 300_000 } as const]) {
            if (s.gone) break;
            await s.apply(step);
          }
          for (const { status } of s.h.persists) {
            expect(status.reconciledConfigVersion).toBeUndefined();
            expect(findCondition(status.conditions, ConditionType.Ready)?.status).not.toBe("True");
          }
          for (const job of s.ledger) {
            const record = s.view.get(job.id);
            if (job.type !== "provision" || job.state !== JobState.Succeeded || !record) continue;
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
