/**
 * The model behind the property-based tests of the lifecycle engine: a random *world*
 * (provider capabilities and behaviour, engine options) and a random sequence of *steps*
 * (the controller running, spec changes, deletion, clock advances, provider faults,
 * crashes), and a {@link Scenario} that drives one resource through them on the virtual
 * clock, then to quiescence, checking the invariants of `./invariants.ts` as it goes.
 */
import fc from "fast-check";
import {
  ConditionType,
  findCondition,
  isTerminal,
  type EngineOptionsInput,
  type LaunchResolution,
} from "@provisionkit/core";
import { Harness } from "./harness.js";
import {
  InvariantViolation,
  assertNoViolations,
  e1Violations,
  e2Violations,
  e3FinalViolations,
  e3StatusViolations,
  e4BlockedViolations,
  e4ReleaseViolations,
  e4RetryViolations,
  e5DuplicateViolations,
  e5FinalViolations,
  e5LostViolations,
  observe,
  type BackoffTiming,
  type EngineView,
} from "./invariants.js";
import { MemoryBackend, MemoryProvider, VirtualClock, type JobScript } from "./memory-backend.js";

// ------------------------------------------------------------------------ the model

/** The specs a resource switches between (their config versions are A, B and C). */
export const SPECS = [{ size: 1 }, { size: 2 }, { size: 3 }] as const;

/** Small backoffs keep runs short on the virtual clock. */
export const BASE_OPTIONS = {
  pollIntervalMs: 10_000,
  provisionBackoff: { initialMs: 2_000, factor: 2, maxMs: 16_000 },
  deprovisionBackoff: { initialMs: 3_000, factor: 3, maxMs: 30_000 },
  errorBackoff: { initialMs: 1_000, factor: 2, maxMs: 8_000 },
  pendingLaunchGraceMs: 30_000,
} satisfies EngineOptionsInput;

/** One random world: provider capabilities and behaviour, engine options. */
export interface World {
  findJob: boolean;
  cancelJob: boolean;
  blockDeletionOnFailure: boolean;
  onSpecChangeWhileRunning: "wait" | "cancel";
  jobTimeoutMs: number | undefined;
  /** How long the backend takes to honour a cancel request. */
  cancelDelayMs: number;
  /** Outcomes and durations of the first jobs of each type (later ones: 30 s, success). */
  provisionScripts: JobScript[];
  deprovisionScripts: JobScript[];
}

export type CrashPoint =
  /** The "before-launch" write fails: nothing is launched. */
  | "before-launch-write-fails"
  /** The pending marker is written, then the process dies before calling the provider. */
  | "after-marker-written"
  /** The marker is written, the launch happens, the write recording its outcome fails. */
  | "between-launch-and-record"
  /** The next "update" write fails, whatever it records. */
  | "update-write-fails";

export type Step =
  /** The controller runs for `ms`: reconcile, sleep until the requested requeue, repeat. */
  | { kind: "run"; ms: number }
  | { kind: "reconcile" }
  | { kind: "advance"; ms: number }
  | { kind: "spec"; spec: number }
  | { kind: "delete" }
  | { kind: "script"; type: "provision" | "deprovision"; outcome: "succeed" | "fail"; ms: number }
  | { kind: "rateLimit"; calls: number; retryAfterMs: number }
  | { kind: "failStatusRead"; calls: number }
  | { kind: "dropLaunchResponse"; type: "provision" | "deprovision" }
  | { kind: "crash"; at: CrashPoint };

/** How one scripted job ends, and after how long. */
export const scriptArb = fc.record({
  outcome: fc.constantFrom("succeed" as const, "fail" as const),
  durationMs: fc.integer({ min: 1_000, max: 150_000 }),
});

/** One step; the controller running and the clock moving dominate, faults are rarer. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("run" as const),
      ms: fc.integer({ min: 0, max: 120_000 }),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: "reconcile" as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 5_000, max: 60_000 }),
        fc.integer({ min: 60_000, max: 400_000 }),
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("spec" as const),
      // mostly between two specs, so that A -> B -> A is frequent
      spec: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 1 }) }, fc.constant(2)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("script" as const),
      type: fc.constantFrom("provision" as const, "deprovision" as const),
      outcome: fc.constantFrom("succeed" as const, "fail" as const),
      ms: fc.integer({ min: 1_000, max: 150_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rateLimit" as const),
      calls: fc.integer({ min: 1, max: 3 }),
      retryAfterMs: fc.integer({ min: 0, max: 20_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("failStatusRead" as const),
      calls: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("dropLaunchResponse" as const),
      type: fc.constantFrom("provision" as const, "deprovision" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("crash" as const),
      at: fc.constantFrom<CrashPoint>(
        "before-launch-write-fails",
        "after-marker-written",
        "between-launch-and-record",
        "update-write-fails",
      ),
    }),
  },
);

/** A step sequence; "medium" size, so that long histories (A -> B -> A, retries) are common. */
export const stepsArb = fc.array(stepArb, { maxLength: 40, size: "medium" });

/**
 * Random worlds: every capability and policy combination, up to four scripted jobs of
 * each type. No job timeout unless overridden (`jobTimeoutMs: <arbitrary>`).
 */
export function worldArb(overrides: Partial<Record<keyof World, fc.Arbitrary<unknown>>> = {}) {
  return fc.record({
    findJob: fc.boolean(),
    cancelJob: fc.boolean(),
    blockDeletionOnFailure: fc.boolean(),
    onSpecChangeWhileRunning: fc.constantFrom("wait" as const, "cancel" as const),
    jobTimeoutMs: fc.constant(undefined),
    cancelDelayMs: fc.integer({ min: 0, max: 20_000 }),
    provisionScripts: fc.array(scriptArb, { maxLength: 4 }),
    deprovisionScripts: fc.array(scriptArb, { maxLength: 4 }),
    ...overrides,
  }) as fc.Arbitrary<World>;
}

/** Builds the provider of a scenario, with the world's capabilities. */
export type ProviderFactory = (
  backend: MemoryBackend,
  capabilities: { findJob: boolean; cancelJob: boolean },
) => MemoryProvider;

/** The provider that keeps every rule of the contract. */
export const contractKeeping: ProviderFactory = (backend, capabilities) =>
  new MemoryProvider(backend, "memory", capabilities);

/** How a scenario is set up beyond its world. */
export interface ScenarioSetup {
  /** The provider; default {@link contractKeeping}. */
  makeProvider?: ProviderFactory;
  /**
   * Check every invariant (default). When false, only the safety checks no provider
   * misbehaviour can excuse: E1, E3 on every persisted status, and E5 (no launch twice,
   * no job lost).
   */
  strict?: boolean;
  /**
   * Engine options passed on top of {@link BASE_OPTIONS}, while the invariant checks keep
   * expecting BASE_OPTIONS' backoffs (used to prove the backoff checks sharp).
   */
  engineOptions?: EngineOptionsInput;
}

// ------------------------------------------------------------------------ the driver

/** One resource, its backend and provider, driven step by step with invariants checked. */
export class Scenario {
  readonly clock = new VirtualClock();
  readonly start = this.clock.now;
  readonly backend = new MemoryBackend(this.clock);
  readonly provider: MemoryProvider;
  readonly h: Harness;
  readonly view: EngineView = new Map();
  readonly timing: BackoffTiming;
  private checkedPersists = 0;
  private releaseChecked = false;
  resolutions = 0;
  /** Jobs adopted through a human's resolution (see {@link e4RetryViolations}). */

  readonly strict: boolean;

  constructor(
    readonly world: World,
    setup: ScenarioSetup = {},
  ) {
    this.strict = setup.strict ?? true;
    const makeProvider = setup.makeProvider ?? contractKeeping;
    this.backend.cancelDelayMs = world.cancelDelayMs;
    this.backend.scripts.provision.push(...world.provisionScripts.map((x) => ({ ...x })));
    this.backend.scripts.deprovision.push(...world.deprovisionScripts.map((x) => ({ ...x })));
    this.provider = makeProvider(this.backend, {
      findJob: world.findJob,
      cancelJob: world.cancelJob,
    });
    this.provider.blockDeletionOnFailure = world.blockDeletionOnFailure;
    const options: EngineOptionsInput = {
      ...BASE_OPTIONS,
      onSpecChangeWhileRunning: world.onSpecChangeWhileRunning,
      jobTimeoutMs: world.jobTimeoutMs,
      ...setup.engineOptions,
    };
    this.h = new Harness(this.clock, this.provider, options, SPECS[0]);
    this.timing = {
      provisionBackoff: BASE_OPTIONS.provisionBackoff,
      deprovisionBackoff: BASE_OPTIONS.deprovisionBackoff,
      jobTimeoutMs: world.jobTimeoutMs,
    };
  }

  get deleting(): boolean {
    return Boolean(this.h.resource.metadata.deletionTimestamp);
  }

  get gone(): boolean {
    return this.h.finalizerReleased;
  }

  get ledger() {
    this.backend.settle();
    return this.backend.ledger;
  }

  /** What the last reconcile asked for: undefined means "nothing to do until something changes". */
  private lastRequeue: number | undefined = 0;

  /** Reconcile once; a crash (a failed persist) stops the call, as a dying process would. */
  async reconcile(): Promise<number | undefined> {
    let requeue: number | undefined;
    try {
      requeue = (await this.h.reconcile()).requeueAfterMs;
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("persist failed"))) throw error;
      requeue = 0; // the restarted process reconciles at once, from the last persisted status
    }
    this.lastRequeue = requeue;
    this.check();
    return requeue;
  }

  /** The controller runs for `ms` of virtual time, following the engine's requeues. */
  async run(ms: number): Promise<void> {
    const end = this.clock.now + ms;
    do {
      if (this.gone) return;
      const requeue = await this.reconcile();
      const next = Math.min(end, this.clock.now + Math.max(1, requeue ?? 10_000));
      this.clock.advance(next - this.clock.now);
      this.check();
    } while (this.clock.now < end);
  }

  async apply(step: Step): Promise<void> {
    const faults = this.provider.faults;
    switch (step.kind) {
      case "run":
        await this.run(step.ms);
        return;
      case "reconcile":
        await this.reconcile();
        return;
      case "advance":
        this.clock.advance(step.ms);
        this.check();
        return;
      case "spec":
        this.h.setSpec(SPECS[step.spec]);
        this.lastRequeue = 0; // a watch event wakes the controller
        return;
      case "delete":
        if (!this.deleting) this.h.delete();
        this.lastRequeue = 0;
        return;
      case "script": {
        const script: JobScript = { outcome: step.outcome, durationMs: step.ms };
        this.backend.scripts[step.type].push(script);
        return;
      }
      case "rateLimit":
        faults.rateLimitNext = (faults.rateLimitNext ?? 0) + step.calls;
        faults.retryAfterMs = step.retryAfterMs;
        return;
      case "failStatusRead":
        faults.failNextStatusRead = (faults.failNextStatusRead ?? 0) + step.calls;
        return;
      case "dropLaunchResponse":
        if (step.type === "provision") faults.dropNextLaunchResponse = true;
        else faults.dropNextDeprovisionResponse = true;
        return;
      case "crash":
        if (step.at === "before-launch-write-fails") this.h.failPersist = "before-launch";
        else if (step.at === "update-write-fails") this.h.failPersist = "update";
        else if (step.at === "after-marker-written") this.h.crashAfterPersist = "before-launch";
        else this.h.crashAfterNextLaunch = true;
        return;
    }
  }

  /** Invariants that hold at every instant. */
  check(): void {
    const ledger = this.ledger;
    assertNoViolations(e1Violations(ledger));
    assertNoViolations(e5DuplicateViolations(ledger));
    for (; this.checkedPersists < this.h.persists.length; this.checkedPersists++) {
      const persisted = this.h.persists[this.checkedPersists]!;
      observe(this.view, persisted.status);
      assertNoViolations(
        e3StatusViolations(persisted.status, persisted.deleting, ledger),
        `persist #${this.checkedPersists} (${persisted.reason}) at t+${persisted.at - this.start}`,
      );
    }
    if (!this.gone) assertNoViolations(e5LostViolations(ledger, this.view, this.h.status));
    if (!this.strict) return;
    assertNoViolations(e2Violations(ledger, this.view, this.timing));
    assertNoViolations(e4RetryViolations(ledger, this.view, this.timing));
    if (this.deleting && !this.gone) assertNoViolations(e4BlockedViolations(this.h.status));
    if (this.gone && !this.releaseChecked) {
      this.releaseChecked = true;
      assertNoViolations(e4ReleaseViolations(this.h.status, ledger, this.view));
    }
  }

  /** The engine waits for a human on an unknown launch outcome (E5, policy "block"). */
  get blocked(): boolean {
    const status = this.h.status;
    return (
      status?.pendingLaunch !== undefined &&
      findCondition(status.conditions, ConditionType.LaunchOutcomeUnknown)?.status === "True"
    );
  }

  private settledBackend(): boolean {
    return this.ledger.every((j) => isTerminal(j.state));
  }

  /**
   * Nothing left to happen: every backend job ended, and either the finalizer was
   * released, or the resource is Ready with the current spec applied and the engine asked
   * for no requeue.
   */
  private quiescent(): boolean {
    if (!this.settledBackend()) return false;
    if (this.gone) return true;
    const status = this.h.status;
    if (this.deleting || !status || this.lastRequeue !== undefined) return false;
    return (
      status.pendingLaunch === undefined &&
      status.desiredConfigVersion === this.h.desired &&
      status.reconciledConfigVersion === this.h.desired &&
      status.jobs.every((j) => isTerminal(j.state))
    );
  }

  /**
   * Run the loop to quiescence, the way the runtime does: reconcile, sleep until the
   * requested requeue (or a resync period), repeat. When the engine is blocked on an
   * unknown launch outcome, check how it says so, then resolve it as a human would, by
   * looking the correlation id up in the backend.
   */
  async quiesce(maxRounds = 600): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if (round > 0 && this.quiescent()) return this.finalChecks();
      if (this.gone) {
        this.clock.advance(10_000); // the resource is gone; jobs left behind finish on their own
        this.check();
        continue;
      }
      const requeue = await this.reconcile();
      if (this.blocked) {
        this.checkBlocked();
        this.resolve();
        continue;
      }
      this.clock.advance(requeue === undefined ? 10_000 : Math.max(1, requeue));
      this.check();
    }
    const what = this.deleting
      ? "E4 violated: the finalizer is never released"
      : "E3 violated: the resource never becomes Ready with desired == reconciled";
    throw new InvariantViolation([
      `${what} (no quiescence after ${maxRounds} rounds, nor a LaunchOutcomeUnknown block); status: ${JSON.stringify(this.h.status)}; ledger: ${JSON.stringify(this.ledger)}`,
    ]);
  }

  /**
   * E5 while blocked: the provider has no findJob, and nothing was launched after the
   * launch whose outcome is unknown; every other job is recorded.
   */
  private checkBlocked(): void {
    assertNoViolations(
      e5FinalViolations(this.ledger, this.view, this.h.status, this.world.findJob),
      "blocked on an unknown launch outcome",
    );
  }

  /** Answer the LaunchOutcomeUnknown condition as a human would, from the backend's truth. */
  private resolve(): void {
    const pending = this.h.status!.pendingLaunch!;
    this.resolutions++;
    if (this.resolutions > 20) throw new Error("too many unknown launch outcomes");
    const job = this.ledger.find(
      (j) => j.correlationId === pending.correlationId && j.type === pending.type,
    );
    const resolution: LaunchResolution = { correlationId: pending.correlationId };
    if (job) resolution.jobId = job.id;
    if (job?.blockDeletionOnFailure !== undefined) {
      resolution.blockDeletionOnFailure = job.blockDeletionOnFailure;
    }
    this.h.resolution = resolution;
  }

  private finalChecks(): void {
    const ledger = this.ledger;
    this.check();
    assertNoViolations(
      e3FinalViolations(this.h.status, ledger, this.h.desired, this.deleting),
      "quiescence",
    );
    assertNoViolations(
      e5FinalViolations(ledger, this.view, this.h.status, this.world.findJob),
      "quiescence",
    );
  }
}

/** Drive a scenario through `steps`, then to quiescence, checking the invariants throughout. */
export async function runScenario(
  world: World,
  steps: readonly Step[],
  setup?: ScenarioSetup,
): Promise<Scenario> {
  const s = new Scenario(world, setup);
  for (const step of steps) {
    if (s.gone) break; // the resource no longer exists
    await s.apply(step);
  }
  await s.quiesce();
  return s;
}

/** The property: for every world and step sequence, {@link runScenario} finds no violation. */
export function lifecycleProperty(
  worlds: fc.Arbitrary<World>,
  setup?: ScenarioSetup,
): fc.IAsyncPropertyWithHooks<[World, Step[]]> {
  return fc.asyncProperty(worlds, stepsArb, async (world, steps) => {
    await runScenario(world, steps, setup);
  });
}
