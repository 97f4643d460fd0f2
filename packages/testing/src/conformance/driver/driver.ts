/**
 * The simulated operator: processes reconciling the scenario's resources on the virtual
 * clock. Time moves only here: settle the backend, reconcile what is due (a requeue, or an
 * object someone else changed, as a watch would report), then advance the clock to the
 * next due time (at most {@link IDLE_STEP_MS} at once).
 *
 * @module
 */
import { providerSet, type Provider, type ProviderSet } from "@provisionkit/core";
import type { RuleId } from "../types.js";
import { Human } from "./human.js";
import { CrashSignal, type CrashPoint } from "./crash.js";
import { Process } from "./process.js";
import { recordingProvider } from "./recorder.js";
import type { World } from "./world.js";

/** The longest clock step when nothing is due (a resync). */
export const IDLE_STEP_MS = 10_000;

/** The default virtual-time budget of one goal. */
export const GOAL_BUDGET_MS = 30 * 60_000;

/** Reconcile rounds allowed at one instant before the clock is forced on. */
const SAME_INSTANT_ROUNDS = 25;

/** Wraps a provider in the recording proxy of a process (optionally renamed). */
export type Wrap = (provider: Provider, name?: string) => Provider;

/** Builds a process's providers: `make()` is a fresh provider from the backend. */
export type ProviderSetBuilder = (make: () => Provider, wrap: Wrap) => ProviderSet;

/** Thrown when a goal is not reached within its budget (recorded in the trace first). */
export class GoalNotReached extends Error {
  /** @param message - what was awaited. */
  constructor(message: string) {
    super(message);
    this.name = "GoalNotReached";
  }
}

const singleProvider: ProviderSetBuilder = (make, wrap) => providerSet(wrap(make()));

/**
 * Thrown when a provider call missed its deadline (L1): the run stops there, its trace is
 * checked like that of a goal not reached.
 */
export class CallsStalled extends GoalNotReached {
  /** @param method - the provider method that missed its deadline. */
  constructor(method: string) {
    super(`the provider's ${method} missed its deadline (L1)`);
    this.name = "CallsStalled";
  }
}

/** Drives processes over one {@link World}. */
export class Driver {
  readonly human: Human;
  #processes: Process[] = [];
  readonly #builds = new Map<Process, ProviderSetBuilder>();
  #processSeq = 0;
  #callSeq = 0;
  #correlation = 0;
  #rounds = 0;

  /**
   * @param world - the scenario's world.
   * @param makeProvider - a fresh provider under test (default `backend.provider()`).
   */
  constructor(
    readonly world: World,
    readonly makeProvider: () => Provider = () => world.backend.provider(),
  ) {
    this.human = new Human(world);
  }

  /** The live processes. */
  get processes(): Process[] {
    return this.#processes.filter((p) => p.alive);
  }

  /** Start a process (its providers from `build`, default: one fresh provider). */
  startProcess(build: ProviderSetBuilder = singleProvider): Process {
    const id = `p${++this.#processSeq}`;
    let seed = this.#processSeq * 7919;
    const jitter = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % 5;
    };
    const world = this.world;
    const wrap: Wrap = (provider, name) =>
      recordingProvider(
        provider,
        {
          process: id,
          now: () => world.clock.now(),
          ledger: () => world.ledger(),
          jitter,
          nextSeq: () => ++this.#callSeq,
          push: (call) => world.trace.calls.push(call),
          deadlineMs: world.callDeadlineMs,
          late: (call, after) => world.late(call, after),
          inFlight: (abort) => world.track(abort),
          aborted: (call, after) => world.aborted(call, after),
          stopped: () => world.trace.late.length > 0,
        },
        name,
      );
    const make = (): Provider => {
      const provider = this.makeProvider();
      world.trace.providerNames.push(provider.name);
      return provider;
    };
    const process = new Process(
      id,
      world,
      build(make, wrap),
      {
        options: world.trace.options,
        newCorrelationId: () => `corr-${++this.#correlation}`,
        resolutionFor: (key) => this.human.resolutionFor(key),
        error: (message) => world.trace.errors.push(message),
      },
      jitter,
    );
    this.#builds.set(process, build);
    this.#processes.push(process);
    return process;
  }

  /** Stop a process (it does nothing more). */
  stopProcess(process: Process): void {
    process.alive = false;
    this.world.mark("", `${process.id} stopped`);
  }

  /**
   * Stop `process` and start its successor with the same providers' build, as an operator
   * restart does: the successor's providers are fresh instances, with nothing of the old
   * process's memory.
   */
  restart(process: Process): Process {
    this.stopProcess(process);
    const next = this.startProcess(this.#builds.get(process));
    this.world.mark("", `${process.id} restarted as ${next.id}`);
    return next;
  }

  /** Arm a crash on a process (default: the first live one). */
  crashAt(point: CrashPoint, occurrence = 1, process = this.processes[0]): void {
    process?.arm(point, occurrence);
  }

  /** Run until `done()` holds; a budget overrun records the goal as unreached and throws. */
  async until(
    done: () => boolean,
    goal: string,
    rule: RuleId,
    budgetMs = GOAL_BUDGET_MS,
    key?: string,
  ): Promise<void> {
    const deadline = this.world.clock.now() + budgetMs;
    await this.#loop(() => done(), deadline);
    if (done()) return;
    this.world.trace.unreached = {
      goal,
      rule,
      at: this.world.clock.now(),
      ...(key ? { resourceKey: key } : {}),
    };
    throw new GoalNotReached(`${goal} not reached within ${budgetMs / 60_000} min of virtual time`);
  }

  /** Let the processes run for `ms` of virtual time. */
  async runFor(ms: number): Promise<void> {
    await this.#loop(() => false, this.world.clock.now() + ms);
  }

  /** Move the clock with every process asleep (the backend still settles). */
  async advance(ms: number): Promise<void> {
    this.world.clock.advance(ms);
    await this.world.settle();
  }

  async #loop(done: () => boolean, deadline: number): Promise<void> {
    const clock = this.world.clock;
    let sameInstant = 0;
    while (!done() && clock.now() < deadline) {
      this.#stopIfLate();
      if (++this.#rounds > 200_000) throw new Error("the driver exceeded 200 000 rounds");
      if (this.world.trace.errors.length > 20) throw new Error(this.world.trace.errors.join("\n"));
      const busy = await this.#round();
      this.#stopIfLate();
      if (done()) return;
      if (busy && ++sameInstant < SAME_INSTANT_ROUNDS) continue;
      const now = clock.now();
      const forced = sameInstant >= SAME_INSTANT_ROUNDS;
      sameInstant = 0;
      const due = [this.human.nextDue(), ...this.processes.map((p) => p.nextDue())].filter(
        (t): t is number => t !== undefined && t > now,
      );
      const next = Math.min(now + IDLE_STEP_MS, deadline, ...due);
      clock.set(forced ? Math.max(next, now + 1_000) : Math.max(next, now + 1));
    }
  }

  #stopIfLate(): void {
    this.world.stopIfLateBefore();
    const late = this.world.trace.late[0];
    if (late) throw new CallsStalled(late.method);
  }

  async #round(): Promise<boolean> {
    const world = this.world;
    await world.settle();
    const directory = this.processes[0]?.providers.directory;
    for (const key of this.human.observe((name) => {
      const caps = directory?.get(name);
      return caps?.canFindJob === true && caps.launchSettleMs !== undefined;
    })) {
      for (const process of this.processes) process.wake(key);
    }
    const now = world.clock.now();
    const work: Promise<void>[] = [];
    for (const process of this.processes) {
      const keys = world.trace.resources.filter((key) =>
        process.isDue(key, now, world.object(key)?.metadata.resourceVersion),
      );
      if (keys.length > 0) work.push(this.#run(process, keys));
    }
    await Promise.all(work);
    return work.length > 0;
  }

  async #run(process: Process, keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await process.reconcile(key);
      } catch (error) {
        if (!(error instanceof CrashSignal)) throw error;
        const next = this.startProcess(this.#builds.get(process));
        this.world.mark(key, `${process.id} crashed (${error.point}); restarted as ${next.id}`);
        return;
      }
    }
  }
}
