/**
 * Drives one resource through a world and a step sequence of `model.ts` on the virtual
 * clock, then to quiescence, with the reference memory backend and provider of the
 * conformance suite, and checks the run with the suite's own rule checks: the provider
 * calls are recorded by the suite's recording proxy, the status writes and finalizer
 * release by the {@link Harness}, and the suite's P5, P6 and E1–E5 checks read that trace
 * with the backend's ledger (the out-of-band truth) after every reconcile.
 */
import fc from "fast-check";
import {
  ConditionType,
  findCondition,
  isTerminal,
  resolveEngineOptions,
  type EngineOptionsInput,
  type JobRecord,
  type LaunchResolution,
} from "@provisionkit/core";
import { VirtualClock } from "../../../src/clock.js";
import { checkE1 } from "../../../src/conformance/checks/e1.js";
import { checkE2 } from "../../../src/conformance/checks/e2.js";
import { checkE3 } from "../../../src/conformance/checks/e3.js";
import { checkE4 } from "../../../src/conformance/checks/e4.js";
import { checkE5 } from "../../../src/conformance/checks/e5.js";
import { checkP5 } from "../../../src/conformance/checks/p5.js";
import { checkP6 } from "../../../src/conformance/checks/p6.js";
import { recordingProvider } from "../../../src/conformance/driver/recorder.js";
import { emptyTrace, type Trace } from "../../../src/conformance/driver/trace.js";
import {
  MemoryBackend,
  MemoryProvider,
  type ConformanceJob,
  type MemoryProviderOptions,
} from "../../../src/index.js";
import { HARNESS_PROCESS, Harness } from "./harness.js";
import { BASE_OPTIONS, SPECS, stepsArb, type Step, type World } from "./model.js";
import { harnessTrace, violations, type Check } from "./trace.js";

/** Every rule a run is checked against (strict). */
const ALL_CHECKS: readonly Check[] = [
  checkP5,
  checkP6,
  checkE1,
  checkE2,
  checkE3,
  checkE4,
  checkE5,
];

/** The safety rules no provider misbehaviour can excuse: E1, E3, E5. */
const SAFETY_CHECKS: readonly Check[] = [checkE1, checkE3, checkE5];

/** A failed check; the message lists every violation, one a line, each starting with its rule id. */
export class InvariantViolation extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "InvariantViolation";
  }
}

/** Builds the provider of a scenario, with the world's capabilities. */
export type ProviderFactory = (
  backend: MemoryBackend,
  options: Required<Pick<MemoryProviderOptions, "findJob" | "cancel" | "blockDeletionOnFailure">>,
) => MemoryProvider;

/** How a scenario is set up beyond its world. */
export interface ScenarioSetup {
  /** The provider; default the contract-keeping {@link MemoryProvider}. */
  makeProvider?: ProviderFactory;
  /**
   * Check every rule (default). When false, only the safety checks no provider
   * misbehaviour can excuse: E1, E3 and E5.
   */
  strict?: boolean;
  /**
   * Engine options passed on top of {@link BASE_OPTIONS}, while the checks keep expecting
   * BASE_OPTIONS' backoffs (used to prove the backoff checks sharp).
   */
  engineOptions?: EngineOptionsInput;
}

/** One resource, its backend and provider, driven step by step with the rules checked. */
export class Scenario {
  readonly clock = new VirtualClock();
  readonly backend: MemoryBackend;
  readonly provider: MemoryProvider;
  readonly h: Harness;
  /** What the run recorded (calls as they happen; the rest filled in by {@link snapshot}). */
  readonly trace: Trace;
  readonly strict: boolean;
  resolutions = 0;
  /** What the last reconcile asked for: undefined means "nothing to do until something changes". */
  private lastRequeue: number | undefined = 0;

  constructor(
    readonly world: World,
    setup: ScenarioSetup = {},
  ) {
    this.strict = setup.strict ?? true;
    this.backend = new MemoryBackend({ clock: this.clock, cancelDelayMs: world.cancelDelayMs });
    for (const script of world.provisionScripts) this.backend.scriptNext("provision", script);
    for (const script of world.deprovisionScripts) this.backend.scriptNext("deprovision", script);
    const capabilities = {
      findJob: world.findJob,
      cancel: world.cancelJob,
      blockDeletionOnFailure: world.blockDeletionOnFailure,
    };
    this.provider = (setup.makeProvider ?? ((b, o) => new MemoryProvider(b, o)))(
      this.backend,
      capabilities,
    );
    const checked: EngineOptionsInput = {
      ...BASE_OPTIONS,
      onSpecChangeWhileRunning: world.onSpecChangeWhileRunning,
      jobTimeoutMs: world.jobTimeoutMs,
    };
    this.trace = emptyTrace(this.clock.now(), resolveEngineOptions(checked), capabilities);
    this.trace.providerNames.push(this.provider.name);
    let seq = 0;
    const recorded = recordingProvider(this.provider, {
      process: HARNESS_PROCESS,
      now: () => this.clock.now(),
      ledger: () => this.backend.ledger(),
      jitter: () => 0,
      nextSeq: () => ++seq,
      push: (call) => this.trace.calls.push(call),
    });
    this.h = new Harness(this.clock, recorded, { ...checked, ...setup.engineOptions }, SPECS[0]);
  }

  get deleting(): boolean {
    return this.h.deleting;
  }

  get gone(): boolean {
    return this.h.finalizerReleased;
  }

  /** The backend's ledger now. */
  get ledger(): ConformanceJob[] {
    return this.backend.ledger();
  }

  /** The engine's newest record of a job, from every status it persisted. */
  recordOf(jobId: string): JobRecord | undefined {
    for (let i = this.h.persists.length - 1; i >= 0; i--) {
      const record = this.h.persists[i]?.status.jobs.find((j) => j.jobId === jobId);
      if (record) return record;
    }
    return undefined;
  }

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
    const end = this.clock.now() + ms;
    do {
      if (this.gone) return;
      const requeue = await this.reconcile();
      const next = Math.min(end, this.clock.now() + Math.max(1, requeue ?? 10_000));
      this.clock.set(next);
    } while (this.clock.now() < end);
  }

  async apply(step: Step): Promise<void> {
    const backend = this.backend;
    switch (step.kind) {
      case "run":
        return this.run(step.ms);
      case "reconcile":
        await this.reconcile();
        return;
      case "advance":
        this.clock.advance(step.ms);
        return;
      case "spec":
        this.h.setSpec(SPECS[step.spec]);
        this.lastRequeue = 0; // a watch event wakes the controller
        return;
      case "delete":
        if (!this.deleting) this.h.delete();
        this.lastRequeue = 0;
        return;
      case "script":
        backend.scriptNext(step.type, { outcome: step.outcome, durationMs: step.durationMs });
        return;
      case "rateLimit":
        backend.rateLimitNext(step.calls, step.retryAfterMs, "all");
        return;
      case "failReads":
        backend.failNext(step.calls, "reads");
        return;
      case "loseAnswer":
        backend.loseNextAnswer(step.type);
        return;
      case "crash":
        if (step.at === "before-launch-write-fails") this.h.failPersist = "before-launch";
        else if (step.at === "update-write-fails") this.h.failPersist = "update";
        else if (step.at === "after-marker-written") this.h.crashAfterPersist = "before-launch";
        else this.h.crashAfterNextLaunch = true;
        return;
    }
  }

  /** Run the checks on the trace so far; throws an {@link InvariantViolation} naming the rules. */
  check(final = false): void {
    const trace = harnessTrace(this.h, this.backend, this.trace, final);
    const found = violations(trace, this.strict ? ALL_CHECKS : SAFETY_CHECKS);
    if (found.length > 0) {
      const at = final ? "quiescence" : `t+${(this.clock.now() - this.trace.start) / 1000}s`;
      throw new InvariantViolation(found.map((v) => `${v} [${at}]`));
    }
  }

  /** The engine waits for a human on an unknown launch outcome (E5, policy "block"). */
  get blocked(): boolean {
    const status = this.h.status;
    return (
      status?.pendingLaunch !== undefined &&
      findCondition(status.conditions, ConditionType.LaunchOutcomeUnknown)?.reason ===
        "NeedsResolution"
    );
  }

  /**
   * Nothing left to happen: every backend job ended, and either the finalizer was
   * released, or the resource is Ready with the current spec applied and the engine asked
   * for no requeue.
   */
  private quiescent(): boolean {
    if (!this.ledger.every((j) => j.finishedAt !== undefined)) return false;
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
   * unknown launch outcome, resolve it as a human would, by looking the correlation id up
   * in the backend (the block is recorded for E5).
   */
  async quiesce(maxRounds = 600): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if (round > 0 && this.quiescent()) return this.check(true);
      if (this.gone) {
        this.clock.advance(10_000); // the resource is gone; jobs left behind finish on their own
        continue;
      }
      const requeue = await this.reconcile();
      if (this.blocked) {
        this.resolve();
        continue;
      }
      this.clock.advance(requeue === undefined ? 10_000 : Math.max(1, requeue));
    }
    const what = this.deleting
      ? "E4: the finalizer is never released"
      : "E3: the resource never becomes Ready with desired == reconciled";
    throw new InvariantViolation([
      `${what} (no quiescence after ${maxRounds} rounds, nor a LaunchOutcomeUnknown block); status: ${JSON.stringify(this.h.status)}; ledger: ${JSON.stringify(this.ledger)}`,
    ]);
  }

  /** Answer the LaunchOutcomeUnknown condition as a human would, from the backend's truth. */
  private resolve(): void {
    const pending = this.h.status?.pendingLaunch;
    if (!pending) return;
    this.resolutions++;
    if (this.resolutions > 20) throw new Error("too many unknown launch outcomes");
    const job = this.backend
      .jobsFor(this.h.key)
      .find((j) => j.correlationId === pending.correlationId && j.operation === pending.type);
    const resolution: LaunchResolution = { correlationId: pending.correlationId };
    if (job) resolution.jobId = job.id;
    if (job?.blockDeletionOnFailure !== undefined) {
      resolution.blockDeletionOnFailure = job.blockDeletionOnFailure;
    }
    const now = this.clock.now();
    this.trace.blocks.push({
      resourceKey: this.h.key,
      at: now,
      pending,
      providerCanFind:
        this.provider.findJob !== undefined && this.provider.launchSettleMs !== undefined,
      resolvedAt: now,
      resolution,
    });
    this.h.resolution = resolution;
  }
}

/** Drive a scenario through `steps`, then to quiescence, checking the rules throughout. */
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
