/**
 * The operator suite's soak: hundreds of object lifecycles (creates, spec changes, deletions
 * while provisioning) pushed through the user's controllers while the simulators inject
 * rate-based, seeded faults and controllers are restarted, crashed and run two at once; then
 * the suite's own checks (E1–E5, the handovers) over the ledger and the objects, and the
 * soak's figures.
 *
 * @module
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { JobType } from "@provisionkit/core";
import { FaultRandom } from "../../fault-rules.js";
import type { KubeFaults } from "../../kubernetes/fault-types.js";
import type { CountedFaultHandle } from "../../fault-rules.js";
import type { ConformanceJob, InjectedFaults, Violation } from "../types.js";
import { SAMPLE_INTERVAL_MS } from "./observer.js";
import type { OperatorScenario } from "./scenarios.js";
import type {
  OperatorConformanceOptions,
  OperatorController,
  OperatorSoakFigures,
  OperatorSoakOptions,
} from "./types.js";
import type { OperatorWorld } from "./world.js";

/** The soak scenario's id. */
export const SOAK_SCENARIO_ID = "soak";

/** Defaults of {@link OperatorSoakOptions}. */
export const SOAK_DEFAULTS = Object.freeze({
  concurrency: 8,
  slowAnswerMs: 1_500,
  lifecycleTimeoutMs: 30_000,
  churnEveryMs: 1_000,
  ledgerRefreshMs: 50,
});

/** The lifecycles a soak draws from, with what each does. */
export const SOAK_LIFECYCLES = Object.freeze({
  "create-delete": "create, Ready, delete, released",
  "spec-change": "create, Ready, spec changed, Ready, delete, released",
  "a-b-a":
    "create, Ready, spec B, back to A while B's provision runs, Ready on A, delete, released",
  "delete-while-provisioning": "create, delete while the provision job runs, released",
  "change-while-provisioning":
    "create, spec changed while the provision job runs, Ready, delete, released",
});

/** A kind of lifecycle. */
export type SoakLifecycle = keyof typeof SOAK_LIFECYCLES;

const KINDS = Object.keys(SOAK_LIFECYCLES) as SoakLifecycle[];

/** Checks the soak options (positive integers, a rate in [0, 1], a safe-integer seed). */
export function checkSoakOptions(soak: OperatorSoakOptions): void {
  const positive = (name: string, value: unknown) => {
    if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= 1)) {
      throw new RangeError(`soak.${name} must be a positive integer, got ${String(value)}`);
    }
  };
  positive("lifecycles", soak.lifecycles);
  if (!(typeof soak.faultRate === "number" && soak.faultRate >= 0 && soak.faultRate <= 1)) {
    throw new RangeError(`soak.faultRate must be in [0, 1], got ${String(soak.faultRate)}`);
  }
  if (!Number.isSafeInteger(soak.seed)) {
    throw new RangeError(`soak.seed must be a safe integer, got ${String(soak.seed)}`);
  }
  for (const name of ["concurrency", "slowAnswerMs", "lifecycleTimeoutMs"] as const) {
    if (soak[name] !== undefined) positive(name, soak[name]);
  }
}

/** E3's default bound on reporting a succeeded provision, ms (`reconcileWithinMs`). */
const RECONCILE_WITHIN_MS = 1_500;
/** The `Retry-After` of the soak's 429s, ms. */
const SOAK_RETRY_AFTER_MS = 1_000;

/**
 * The suite's options for a soak: with faults, E3's bound on reporting a succeeded provision
 * (`reconcileWithinMs`, default 1.5 s) grows by the delays the soak injects itself into a
 * status read (a slow answer, `slowAnswerMs`, and a 429's 1 s `Retry-After`): the operator
 * cannot learn of the success sooner. Without faults it is as given.
 */
export function soakOptions(
  options: OperatorConformanceOptions,
  soak: OperatorSoakOptions,
): OperatorConformanceOptions {
  if (soak.faultRate === 0) return options;
  const injected = (soak.slowAnswerMs ?? SOAK_DEFAULTS.slowAnswerMs) + SOAK_RETRY_AFTER_MS;
  return {
    ...options,
    reconcileWithinMs: (options.reconcileWithinMs ?? RECONCILE_WITHIN_MS) + injected,
  };
}

/**
 * The backend's ledger as the lifecycles read it: one copy, grouped by object, shared by every
 * lifecycle and taken again at most every `everyMs` (the copy costs a pass over every job the
 * run ever launched).
 *
 * Each lifecycle looks at its object every {@link SAMPLE_INTERVAL_MS}; when each look took its
 * own copy of the whole ledger, the harness's cost grew with lifecycles in flight times jobs so
 * far: by a few hundred jobs it held the event loop that the controllers, the simulators and
 * their timers share with it, and lifecycles ran past their budget (counted stuck) while the
 * operator waited for its turn, not for a decision.
 */
export class SoakLedgerView {
  #takenAt = -Infinity;
  #byKey = new Map<string, ConformanceJob[]>();
  /** How many copies of the ledger were taken. */
  copies = 0;

  /**
   * @param ledger - the backend's ledger (a fresh copy per call).
   * @param everyMs - the most often a copy is taken, ms.
   * @param now - a monotonic clock, ms.
   */
  constructor(
    private readonly ledger: () => readonly ConformanceJob[],
    private readonly everyMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The jobs of the object `key` (of one operation), oldest first, as of the last copy. */
  jobs(key: string, operation?: JobType): ConformanceJob[] {
    const now = this.now();
    if (now - this.#takenAt >= this.everyMs) {
      this.#takenAt = now;
      this.copies++;
      const byKey = new Map<string, ConformanceJob[]>();
      for (const job of this.ledger()) {
        const list = byKey.get(job.resourceKey);
        if (list) list.push(job);
        else byKey.set(job.resourceKey, [job]);
      }
      for (const list of byKey.values()) list.sort((a, b) => a.createdAt - b.createdAt);
      this.#byKey = byKey;
    }
    const jobs = this.#byKey.get(key) ?? [];
    return operation ? jobs.filter((j) => j.operation === operation) : jobs.slice();
  }
}

/** A lifecycle goal not reached within its budget. */
class Stuck extends Error {}

/** What one soak run keeps while it runs, read for its figures. */
export class SoakRun {
  /** The lifecycle of each object, by key. */
  readonly plans = new Map<string, SoakLifecycle>();
  /** Objects whose lifecycle runs now (their timelines get the controller marks). */
  readonly #inFlight = new Set<string>();
  /** Objects whose lifecycle did not end within its budget, with what was awaited. */
  readonly stuck = new Map<string, string>();
  /** Lifecycles that ended. */
  completed = 0;
  /** Controllers started, stopped cleanly while another ran, crashed. */
  readonly controllers = { started: 0, restarts: 0, crashes: 0, twoAtOnceMs: 0 };
  #backendFaults: InjectedFaults | undefined;
  #kubeFaults: { name: string; handle: CountedFaultHandle }[] = [];
  #peakHeap = 0;
  #ledger: SoakLedgerView | undefined;
  #loopDelay: IntervalHistogram | undefined;
  #started = 0;
  #ended = 0;

  constructor(readonly options: OperatorSoakOptions) {}

  /** Faults fired so far, by kind. */
  faults(): Record<string, number> {
    const counts: Record<string, number> = { ...this.#backendFaults?.counts() };
    for (const { name, handle } of this.#kubeFaults) counts[name] = handle.fired;
    return counts;
  }

  /** Drive the soak in `world`. */
  async run(world: OperatorWorld): Promise<void> {
    const soak = this.options;
    const random = new FaultRandom(soak.seed);
    this.#ledger = new SoakLedgerView(() => world.ledger(), SOAK_DEFAULTS.ledgerRefreshMs);
    this.#loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.#loopDelay.enable();
    this.#started = performance.now();
    const heap = setInterval(() => this.#sampleHeap(), 50);
    this.#sampleHeap();
    const live: OperatorController[] = [await this.#start(world)];
    this.#inject(world);
    const done = { value: false };
    const churn = this.#churn(world, random, live, done);
    const settling = this.#settle(world, done);
    try {
      const plans = Array.from({ length: soak.lifecycles }, (_, i) => ({
        name: `soak-${i}`,
        kind: KINDS[Math.floor(random.next() * KINDS.length)] ?? "create-delete",
      }));
      let next = 0;
      const worker = async () => {
        for (let plan = plans[next++]; plan; plan = plans[next++]) {
          await this.#lifecycle(world, plan.name, plan.kind);
        }
      };
      const workers = Math.min(soak.concurrency ?? SOAK_DEFAULTS.concurrency, plans.length);
      await Promise.all(Array.from({ length: workers }, worker));
    } finally {
      done.value = true;
      await Promise.all([churn, settling]);
      // The faults stop with the lifecycles: the final checks look at a quiet operator.
      this.#backendFaults?.remove();
      for (const { handle } of this.#kubeFaults) handle.remove();
      clearInterval(heap);
      this.#sampleHeap();
      this.#loopDelay.disable();
      this.#ended = performance.now();
    }
  }

  /**
   * The figures, from the violations every check found (before any is left out of the
   * report) and the ledger.
   */
  figures(world: OperatorWorld, violations: readonly Violation[]): OperatorSoakFigures {
    const by = (rule: string) => violations.filter((v) => v.rule === rule).length;
    const faults = this.faults();
    const ledger = world.ledger();
    return {
      lifecycles: this.options.lifecycles,
      completed: this.completed,
      seed: this.options.seed,
      faultRate: this.options.faultRate,
      faults,
      faultsInjected: Object.values(faults).reduce((a, b) => a + b, 0),
      controllers: { ...this.controllers, twoAtOnceMs: Math.round(this.controllers.twoAtOnceMs) },
      jobs: {
        provision: ledger.filter((j) => j.operation === "provision").length,
        deprovision: ledger.filter((j) => j.operation === "deprovision").length,
      },
      duplicates: by("E2") + by("E5"),
      overlaps: by("E1"),
      orphans: violations.filter((v) => v.message.includes(ORPHAN)).length,
      stuck: this.stuck.size,
      wrongVersions: violations.filter((v) => v.rule === "E3" && !v.message.includes(STUCK)).length,
      lateCalls: by("L1"),
      untypedErrors: world.controllers.untyped.length,
      violations: violations.length,
      durationMs: Math.round((this.#ended || performance.now()) - this.#started),
      peakHeapBytes: this.#peakHeap,
      eventLoopDelayMs: {
        p99: nanosToMs(this.#loopDelay?.percentile(99)),
        max: nanosToMs(this.#loopDelay?.max),
      },
    };
  }

  /**
   * The objects that are gone and what the backend still holds for them (checked once the
   * soak ended): a job still active, a job launched after the object was released, or a
   * provision that succeeded with no deprovision succeeding (or skipped) after it.
   */
  checkOrphans(world: OperatorWorld): void {
    for (const key of this.plans.keys()) {
      if (this.stuck.has(key)) continue;
      const samples = world.observer.samples.get(key) ?? [];
      const release = samples.find((s) => !s.exists || (s.deleting && !s.finalizer));
      if (!release) continue;
      const jobs = world.jobs(key);
      const active = jobs.find((j) => j.outcome === undefined);
      const late = jobs.find((j) => j.createdAt > release.at);
      const provisioned = jobs
        .filter((j) => j.operation === "provision" && j.outcome === "succeeded")
        .at(-1);
      const after = (j: ConformanceJob) =>
        j.operation === "deprovision" &&
        j.outcome === "succeeded" &&
        provisioned !== undefined &&
        j.createdAt >= (provisioned.finishedAt ?? Infinity);
      const skipped = world.skips.some((s) => s.resourceKey === key);
      const orphan =
        active !== undefined
          ? `${world.label(active)} is still active`
          : late !== undefined
            ? `${world.label(late)} was launched after`
            : provisioned !== undefined && !jobs.some(after) && !skipped
              ? `${world.label(provisioned)} succeeded and no deprovision succeeded after it`
              : undefined;
      if (orphan !== undefined) {
        world.expect("E4", `${key}: ${ORPHAN}: released at ${world.t(release.at)}, but ${orphan}`);
      }
    }
  }

  async #lifecycle(world: OperatorWorld, name: string, kind: SoakLifecycle): Promise<void> {
    const key = world.key(name);
    this.plans.set(key, kind);
    this.#inFlight.add(key);
    const deadline =
      Date.now() + (this.options.lifecycleTimeoutMs ?? SOAK_DEFAULTS.lifecycleTimeoutMs);
    const wait = async (what: string, reached: () => boolean) => {
      for (;;) {
        if (reached()) return;
        if (Date.now() >= deadline) throw new Stuck(what);
        await sleep(SAMPLE_INTERVAL_MS);
      }
    };
    const ledger = this.#ledger ?? new SoakLedgerView(() => world.ledger(), 0);
    const jobs = (operation?: JobType) => ledger.jobs(key, operation);
    const since = () => world.userWrites.get(key)?.at(-1) ?? world.start;
    const ready = () => {
      const after = since();
      return wait(`Ready after the write at ${world.t(after)}`, () => {
        const job = jobs("provision")
          .filter((j) => j.outcome === "succeeded")
          .at(-1);
        const object = world.object(name);
        return (
          job !== undefined &&
          job.createdAt >= after &&
          object !== undefined &&
          world.reconciled(object) === job.configVersion
        );
      });
    };
    // A provision job launched (it may have ended by the time this looks, on a loaded
    // machine: the deletion then comes right after it).
    const provisioning = () => wait("a provision job", () => jobs("provision").length > 0);
    const released = () =>
      wait("the finalizer released", () => {
        const sample = world.observer.latest(key);
        return sample !== undefined && (!sample.exists || (sample.deleting && !sample.finalizer));
      });
    try {
      await world.create(name, 0);
      switch (kind) {
        case "create-delete":
          await ready();
          break;
        case "spec-change":
          await ready();
          await world.setSpec(name, 1);
          await ready();
          break;
        case "a-b-a": {
          await ready();
          const a = jobs("provision").find((j) => j.outcome === "succeeded");
          await world.setSpec(name, 1);
          // Back to A once B's provision runs (not at once: a launch the controller decided
          // just before the user's second write lands after it, which E2 would count as a
          // launch with no change by the user): A must be provisioned again.
          await wait("a provision job of B", () =>
            jobs("provision").some((j) => j.configVersion !== a?.configVersion),
          );
          await world.setSpec(name, 0);
          await wait("Ready on A again", () => {
            const provisions = jobs("provision");
            const latest = provisions.filter((j) => j.outcome === "succeeded").at(-1);
            const object = world.object(name);
            return (
              !provisions.some((j) => j.outcome === undefined) &&
              latest?.configVersion === a?.configVersion &&
              object !== undefined &&
              world.reconciled(object) === a?.configVersion
            );
          });
          break;
        }
        case "delete-while-provisioning":
          await provisioning();
          break;
        case "change-while-provisioning":
          await provisioning();
          await world.setSpec(name, 1);
          await ready();
          break;
      }
      await world.delete(name);
      await released();
      this.#inFlight.delete(key);
      this.completed++;
    } catch (error) {
      this.#inFlight.delete(key);
      if (!(error instanceof Stuck)) throw error;
      const what = error.message;
      this.stuck.set(key, what);
      const rule = what.startsWith("the finalizer") ? "E4" : "E3";
      const object = world.object(name);
      const seen =
        object === undefined
          ? "the object is gone"
          : `finalizers ${JSON.stringify(object.metadata.finalizers ?? [])}, ${object.metadata.deletionTimestamp ? "deleting" : "not deleting"}, ${trueConditions(object.status)}status ${JSON.stringify(object.status ?? {}).slice(0, 1_500)}`;
      const jobs =
        world
          .jobs(key)
          .map((j) => world.label(j))
          .join(", ") || "none";
      world.expect(
        rule,
        `${key}: ${STUCK} (${kind}): ${what} not reached within ${this.options.lifecycleTimeoutMs ?? SOAK_DEFAULTS.lifecycleTimeoutMs} ms (jobs: ${jobs}; last seen: ${seen})`,
      );
    }
  }

  /**
   * While the lifecycles run, every ~second (seeded): a second controller starts (two run at
   * once), or the oldest of two stops (a restart, handed over), or (a provider with
   * `findJob`) a controller starts that crashes right after its first launch.
   */
  async #churn(
    world: OperatorWorld,
    random: FaultRandom,
    live: OperatorController[],
    done: { value: boolean },
  ): Promise<void> {
    const every = SOAK_DEFAULTS.churnEveryMs;
    let crasher: OperatorController | undefined;
    let twoSince: number | undefined;
    while (!done.value) {
      await sleep(every / 2 + random.next() * every);
      if (done.value) break;
      if (crasher && world.controllers.crashOf(crasher).stopped !== undefined) {
        this.controllers.crashes++;
        crasher = undefined;
      }
      const draw = random.next();
      if (live.length < 2) {
        if (crasher === undefined && world.abilities.findJob && draw < 0.3) {
          crasher = await this.#start(world, random.next() < 0.5 ? "provision" : "deprovision");
        } else {
          live.push(await this.#start(world));
          twoSince = performance.now();
        }
      } else {
        const oldest = live.shift();
        if (oldest) await world.stopController(oldest);
        for (const key of this.#inFlight) world.mark(key, "oldest controller stopped");
        this.controllers.restarts++;
        if (twoSince !== undefined) this.controllers.twoAtOnceMs += performance.now() - twoSince;
        twoSince = undefined;
      }
    }
    if (twoSince !== undefined) this.controllers.twoAtOnceMs += performance.now() - twoSince;
    if (crasher && world.controllers.crashOf(crasher).stopped !== undefined) {
      this.controllers.crashes++;
    }
  }

  /** Let the backend's due work happen every 10 ms (as the scenarios' goals do). */
  async #settle(world: OperatorWorld, done: { value: boolean }): Promise<void> {
    while (!done.value) {
      await world.backend.settle?.();
      await sleep(SAMPLE_INTERVAL_MS);
    }
  }

  async #start(world: OperatorWorld, crashAfter?: "provision" | "deprovision") {
    this.controllers.started++;
    const controller = await world.startController(crashAfter ? { crashAfter } : {});
    for (const key of this.#inFlight) {
      world.mark(
        key,
        crashAfter ? `controller started (crashes after a ${crashAfter})` : "controller started",
      );
    }
    return controller;
  }

  /** The Kubernetes faults (on the suite's simulator) and the backend's, at the soak's rate. */
  #inject(world: OperatorWorld): void {
    const { faultRate: rate, seed } = this.options;
    if (rate === 0) return;
    this.#backendFaults = world.backend.injectFaults?.({
      rate,
      seed,
      slowAnswerMs: this.options.slowAnswerMs ?? SOAK_DEFAULTS.slowAnswerMs,
    });
    const faults = world.cluster.faults;
    if (faults) this.#kubeFaults = kubeFaultKinds(faults, rate, seed);
  }

  #sampleHeap(): void {
    this.#peakHeap = Math.max(this.#peakHeap, process.memoryUsage().heapUsed);
  }
}

/**
 * The Kubernetes API faults of a soak, each at `rate / 4` of the requests: `kube-409` (a
 * write with a resourceVersion precondition answers the real 409 Conflict; the real server
 * retries a precondition-free patch's conflicts itself, so those are never refused), `kube-5xx` (500 with the real server's Status,
 * unprocessed), `kube-watch-drop` (every open watch ends, as an API server restart or a load
 * balancer does) and `kube-compact` (the watch history is compacted: a watch resuming from
 * an older resourceVersion gets 410 Expired).
 */
export function kubeFaultKinds(
  faults: KubeFaults,
  rate: number,
  seed: number,
): { name: string; handle: CountedFaultHandle }[] {
  faults.seed(seed);
  const share = rate / 4;
  return [
    { name: "kube-409", handle: faults.conflicts({ times: Infinity, rate: share }) },
    { name: "kube-5xx", handle: faults.status({ code: 500, times: Infinity, rate: share }) },
    {
      name: "kube-watch-drop",
      handle: faults.watches({ action: "drop", times: Infinity, rate: share }),
    },
    {
      name: "kube-compact",
      handle: faults.watches({ action: "compact", times: Infinity, rate: share }),
    },
  ];
}

/** What the stuck violations say (figures count them apart from wrong versions). */
const STUCK = "stuck";
/** What the orphan violations say. */
const ORPHAN = "orphan";

/** The soak as a scenario of the operator suite. */
export function soakScenario(soak: OperatorSoakOptions): OperatorScenario & { soak: SoakRun } {
  const run = new SoakRun(soak);
  return {
    id: SOAK_SCENARIO_ID,
    title: `soak: ${soak.lifecycles} lifecycles under ${soak.faultRate * 100}% faults (seed ${soak.seed}), controllers restarted, crashed and two at once`,
    rules: ["E1", "E2", "E3", "E4", "E5"],
    soak: run,
    async run(world: OperatorWorld) {
      await run.run(world);
    },
  };
}

/**
 * The conditions of `status` that are `True` and say something is wrong or under way (all but
 * `Ready`/`Provisioned`), as `type (reason): message; ` — a stuck object's condition is what
 * names its wait (a launch whose outcome is unknown, a blocked deletion), and the status's
 * JSON is cut before it.
 */
function trueConditions(status: unknown): string {
  const conditions = (status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return "";
  return conditions
    .filter((c): c is Record<string, unknown> => typeof c === "object" && c !== null)
    .filter((c) => c.status === "True" && c.type !== "Ready" && c.type !== "Provisioned")
    .map((c) => `${String(c.type)} (${String(c.reason)}): ${String(c.message).slice(0, 400)}; `)
    .join("");
}

/** Whole milliseconds of a histogram's nanoseconds (0 when nothing was recorded). */
function nanosToMs(nanos: number | undefined): number {
  return nanos !== undefined && Number.isFinite(nanos) ? Math.round(nanos / 1e6) : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
